import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 13 Build 4 (LM-11): force-majeure incidents. An issuing unit reports one to its management unit; while it
 * is open, late licences of its types are recorded as excused (licence_issuance.excused_incident_id); after the
 * clearance the backlog (case ids) is due by backlog_due_at, and a backlog not issued by then is one breach row.
 */
export class Migration20261202910001_force_majeure extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table force_majeure_incident (
        id text primary key,
        organisation_id text not null references organisation(id),
        failure text not null,
        since timestamptz not null,
        type_codes jsonb not null,
        measures text not null,
        status text not null check (status in ('open', 'cleared', 'closed')),
        reported_by text not null references app_user(id),
        reported_at timestamptz not null,
        acknowledged_by text references app_user(id),
        acknowledged_at timestamptz,
        cleared_by text references app_user(id),
        cleared_at timestamptz,
        clearance_note text,
        backlog jsonb not null default '[]',
        backlog_due_at timestamptz,
        backlog_due_provisional boolean,
        closed_at timestamptz,
        workflow_id text not null unique
      );
      create index force_majeure_incident_org_idx on force_majeure_incident (organisation_id, status);

      create table force_majeure_breach (
        incident_id text primary key references force_majeure_incident(id),
        organisation_id text not null references organisation(id),
        due_at timestamptz not null,
        breached_at timestamptz not null,
        missing_case_ids jsonb not null
      );

      alter table licence_issuance add column excused_incident_id text references force_majeure_incident(id);
    `);
  }
}
