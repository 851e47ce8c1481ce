import { Migration } from '@mikro-orm/migrations';

/**
 * The approval engine's records: versioned flow definitions, the projection of every approval process (for
 * inboxes and supervision), its timeline, CC list, deadline breaches and attachments. Tasks become the generic
 * inbox rows of any process: a task goes to a user or to a role in an organisation.
 */
export class Migration20261127020000_approval_engine extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table flow_definition (
        id text primary key,
        kind text not null,
        name text not null,
        organisation_id text references organisation(id),
        jurisdiction_level text check (jurisdiction_level in ('province','city','county','district','zone')),
        version int not null check (version > 0),
        steps jsonb not null,
        status text not null check (status in ('active','superseded')),
        created_by text not null,
        created_at timestamptz not null default now(),
        check (organisation_id is null or jurisdiction_level is null)
      );
      create unique index flow_definition_version_idx
        on flow_definition (kind, coalesce(organisation_id, ''), coalesce(jurisdiction_level, ''), version);
      create unique index flow_definition_active_idx
        on flow_definition (kind, coalesce(organisation_id, ''), coalesce(jurisdiction_level, ''))
        where status = 'active';

      create table approval_process (
        id text primary key,
        kind text not null,
        process_id text not null,
        title text not null,
        detail_path text not null,
        initiator_id text not null references app_user(id),
        organisation_id text not null references organisation(id),
        jurisdiction_id text not null references jurisdiction(id),
        definition_id text not null references flow_definition(id),
        definition_version int not null,
        status text not null check (status in ('running','approved','rejected','withdrawn')),
        current_step_index int,
        current_step_name text,
        step_due_at timestamptz,
        step_due_provisional boolean not null default false,
        outcome_reason text,
        started_at timestamptz not null,
        ended_at timestamptz,
        updated_at timestamptz not null default now()
      );
      create index approval_process_initiator_idx on approval_process (initiator_id, started_at desc);
      create index approval_process_jurisdiction_idx on approval_process (jurisdiction_id, status);

      alter table task alter column assignee_organisation_id drop not null;
      alter table task alter column assignee_role drop not null;
      alter table task drop constraint task_status_check;
      update task set status = 'approved' where status = 'done' and outcome = 'approved';
      update task set status = 'rejected' where status = 'done' and outcome = 'rejected';
      update task set status = 'approved' where status = 'done';
      alter table task add constraint task_status_check check (status in
        ('pending','waiting','approved','rejected','transferred','delegated','returned','cancelled','removed'));
      alter table task
        add column assignee_user_id text references app_user(id),
        add column assignee_name text,
        add column step_index int not null default 0,
        add column round int not null default 1,
        add column origin text not null default 'step',
        add column is_primary boolean not null default true,
        add column parent_task_id text,
        add column due_at timestamptz,
        add column due_provisional boolean not null default false,
        add column last_urged_at timestamptz,
        add column opened_at timestamptz;
      alter table task add constraint task_assignee_check
        check (assignee_user_id is not null or (assignee_organisation_id is not null and assignee_role is not null));
      create index task_user_inbox_idx on task (assignee_user_id, status);
      create index task_workflow_idx on task (workflow_id);

      create table approval_event (
        process_key text not null references approval_process(id),
        seq int not null,
        at timestamptz not null,
        action text not null,
        step_index int,
        step_name text,
        task_id text,
        actor jsonb,
        targets jsonb not null default '[]',
        comment text,
        attachments jsonb not null default '[]',
        due jsonb,
        primary key (process_key, seq)
      );

      create table approval_cc (
        process_key text not null references approval_process(id),
        user_id text not null references app_user(id),
        at timestamptz not null,
        added_by jsonb not null,
        step_index int,
        primary key (process_key, user_id)
      );
      create index approval_cc_user_idx on approval_cc (user_id, at desc);

      create table deadline_breach (
        id text primary key,
        process_key text not null references approval_process(id),
        kind text not null,
        organisation_id text not null references organisation(id),
        jurisdiction_id text not null references jurisdiction(id),
        step_index int not null,
        step_name text not null,
        due_at timestamptz not null,
        breached_at timestamptz not null,
        action text not null,
        task_ids jsonb not null,
        assignee_organisation_ids text[] not null default '{}'
      );
      create index deadline_breach_jurisdiction_idx on deadline_breach (jurisdiction_id, breached_at desc);

      -- A seal application's review now runs in the approval engine, where the applicant may withdraw it.
      alter table seal_application drop constraint seal_application_status_check;
      alter table seal_application add constraint seal_application_status_check
        check (status in ('pending','approved','rejected','failed','withdrawn'));
      alter table seal_application add column approval_workflow_id text;
      alter table seal_application add column approval_options jsonb not null default '{"approvers":{},"cc":[]}';

      create table attachment (
        id text primary key,
        file_name text not null,
        media_type text not null,
        size int not null,
        sha256 char(64) not null,
        content bytea not null,
        uploaded_by text not null references app_user(id),
        uploaded_at timestamptz not null default now()
      );
    `);
  }
}
