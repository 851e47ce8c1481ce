import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 12 Build 5 (SM-15, SM-16): every change of a seal's status is recorded with the time it took effect, and
 * the seal row keeps since when its current status holds and why. Existing seals get their first entry (made,
 * active) at their creation. Cancellation, loss handling and renewal are requests decided by the approval
 * engine; a renewal keeps the seal's earlier versions (certificate, seal info) in seal_version.
 */
export class Migration20261202700000_seal_status extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table seal add column status_since timestamptz;
      alter table seal add column status_reason text;
      -- SM-8: a renewal makes a new version of the seal under the same code; the versions before it are kept.
      alter table seal add column version integer not null default 1;
      create table seal_version (
        seal_id text not null references seal(id),
        version integer not null,
        certificate_id text not null references organisation_certificate(id),
        valid_from timestamptz not null,
        valid_to timestamptz not null,
        seal_info jsonb not null,
        maker_signature jsonb not null,
        created_at timestamptz not null,
        primary key (seal_id, version)
      );
      update seal set status_since = created_at;
      alter table seal alter column status_since set not null;

      create table seal_status_change (
        id text primary key,
        seal_id text not null references seal(id),
        status text not null check (status in ('active', 'lost', 'cancelled')),
        event text not null check (event in ('made', 'loss_reported', 'restored', 'cancelled', 'renewed')),
        reason text not null,
        effective_at timestamptz not null,
        recorded_at timestamptz not null default now(),
        actor_username text not null,
        request_id text,
        event_key text not null unique
      );
      create index seal_status_change_seal on seal_status_change (seal_id, recorded_at);
      insert into seal_status_change (id, seal_id, status, event, reason, effective_at, recorded_at, actor_username,
                                      event_key)
        select 'made-' || id, id, 'active', 'made', '', created_at, created_at, 'system', 'seal.made:' || id
          from seal;

      create table seal_status_request (
        id text primary key,
        seal_id text not null references seal(id),
        organisation_id text not null references organisation(id),
        applicant_id text not null references app_user(id),
        process_kind text not null check (process_kind in ('seal_cancellation', 'seal_loss_handling', 'seal_renewal')),
        action text not null check (action in ('cancel', 'restore', 'renew')),
        reason text not null,
        effective_from timestamptz,
        attachments jsonb not null default '[]',
        status text not null default 'pending',
        workflow_id text not null unique,
        approval_workflow_id text not null unique,
        outcome_reason text,
        client_request_id text,
        approval_options jsonb not null default '{"approvers": {}, "cc": []}',
        created_at timestamptz not null default now(),
        decided_at timestamptz,
        unique (applicant_id, client_request_id)
      );
      create index seal_status_request_seal on seal_status_request (seal_id, created_at);
      -- At most one request pending per seal: two decisions about one seal cannot run at once.
      create unique index seal_status_request_one_pending on seal_status_request (seal_id) where status = 'pending';
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table seal_status_request;
      drop table seal_status_change;
      drop table seal_version;
      alter table seal drop column version;
      alter table seal drop column status_reason;
      alter table seal drop column status_since;
    `);
  }
}
