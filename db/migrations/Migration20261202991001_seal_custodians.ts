import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 15 Build 5 (SM-14): each seal names its custodian and a deputy, people of the seal's unit; a change is a
 * request decided by the unit leader through the approval engine, kept as the custodian history. Existing seals
 * get as custodian the one active person of their unit bearing the recorded custodian name, else the person who
 * applied for the seal; a seal left without one refuses signing until a change names one.
 */
export class Migration20261202991001_seal_custodians extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table seal
        add column custodian_id text references app_user(id),
        add column deputy_custodian_id text references app_user(id);

      update seal s set custodian_id = (
          select min(u.id) from app_user u
           where u.organisation_id = s.organisation_id and u.active and u.display_name = s.custodian_name
          having count(*) = 1)
       where s.custodian_id is null;
      update seal s set custodian_id = a.applicant_id
        from seal_application a
       where s.custodian_id is null and a.id = s.application_id;

      create table seal_custodian_change (
        id text primary key,
        seal_id text not null references seal(id),
        organisation_id text not null references organisation(id),
        applicant_id text not null references app_user(id),
        custodian_id text not null references app_user(id),
        deputy_id text references app_user(id),
        previous_custodian_id text references app_user(id),
        previous_deputy_id text references app_user(id),
        reason text not null,
        status text not null default 'pending'
          check (status in ('pending', 'approved', 'rejected', 'withdrawn')),
        workflow_id text not null unique,
        approval_workflow_id text not null unique,
        outcome_reason text,
        client_request_id text,
        approval_options jsonb not null default '{"approvers": {}, "cc": []}',
        created_at timestamptz not null default now(),
        decided_at timestamptz,
        unique (applicant_id, client_request_id),
        check (deputy_id is null or deputy_id <> custodian_id)
      );
      create index seal_custodian_change_seal on seal_custodian_change (seal_id, created_at);
      create index seal_custodian_change_org on seal_custodian_change (organisation_id, created_at);
      create unique index seal_custodian_change_one_pending
        on seal_custodian_change (seal_id) where status = 'pending';
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table seal_custodian_change;
      alter table seal drop column deputy_custodian_id, drop column custodian_id;
    `);
  }
}
