import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 16 Build 5 (LM-12, LM-14, LM-15): a using unit's usage-list requests, decided by the management unit
 * through the approval engine; at most one pending per unit and licence type. The usage list (licence_usage_grant)
 * remembers which request last set each entry and when.
 */
export class Migration20261202940000_licence_usage_requests extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table licence_usage_request (
        id text primary key,
        organisation_id text not null references organisation(id),
        applicant_id text not null references app_user(id),
        type_code char(21) not null,
        purpose text not null,
        full_data boolean not null,
        status text not null default 'pending'
          check (status in ('pending', 'approved', 'rejected', 'withdrawn')),
        workflow_id text not null unique,
        approval_workflow_id text not null unique,
        outcome_reason text,
        client_request_id text,
        approval_options jsonb not null default '{"approvers": {}, "cc": []}',
        created_at timestamptz not null default now(),
        decided_at timestamptz,
        unique (applicant_id, client_request_id)
      );
      create index licence_usage_request_org on licence_usage_request (organisation_id, created_at);
      create unique index licence_usage_request_one_pending
        on licence_usage_request (organisation_id, type_code) where status = 'pending';

      alter table licence_usage_grant
        add column request_id text references licence_usage_request(id),
        add column granted_at timestamptz;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table licence_usage_grant drop column granted_at, drop column request_id;
      drop table licence_usage_request;
    `);
  }
}
