import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 12 Build 5 (SM-5(1), SM-6, SM-8): organisation certificates applied for, renewed and revoked through the
 * approval engine — the requests (at most one pending per organisation), the revocation's reason beside its time,
 * and the renewal reminders sent (one per certificate and offset, insert-once).
 */
export class Migration20261202800000_organisation_certificates extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table organisation_certificate add column revocation_reason text;

      create table organisation_certificate_request (
        id text primary key,
        organisation_id text not null references organisation(id),
        applicant_id text not null references app_user(id),
        process_kind text not null
          check (process_kind in ('certificate_application', 'certificate_renewal', 'certificate_revocation')),
        action text not null check (action in ('apply', 'renew', 'revoke')),
        certificate_id text references organisation_certificate(id),
        reason text not null,
        status text not null default 'pending',
        workflow_id text not null unique,
        approval_workflow_id text not null unique,
        outcome_reason text,
        outcome_certificate_id text references organisation_certificate(id),
        client_request_id text,
        approval_options jsonb not null default '{"approvers": {}, "cc": []}',
        created_at timestamptz not null default now(),
        decided_at timestamptz,
        unique (applicant_id, client_request_id)
      );
      create index organisation_certificate_request_org
        on organisation_certificate_request (organisation_id, created_at);
      -- At most one request pending per organisation.
      create unique index organisation_certificate_request_one_pending
        on organisation_certificate_request (organisation_id) where status = 'pending';

      create table certificate_reminder (
        certificate_id text not null references organisation_certificate(id),
        offset_days integer not null,
        organisation_id text not null references organisation(id),
        not_after timestamptz not null,
        recipients jsonb not null default '[]',
        sent_at timestamptz not null default now(),
        primary key (certificate_id, offset_days)
      );
      -- The daily sweep walks certificates in force by id among those ending soon.
      create index organisation_certificate_unrevoked_end
        on organisation_certificate (not_after, id) where revoked_at is null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index organisation_certificate_unrevoked_end;
      drop table certificate_reminder;
      drop table organisation_certificate_request;
      alter table organisation_certificate drop column revocation_reason;
    `);
  }
}
