import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 14 (LM-9, LM-28, LM-30): cases announced when they close (one workflow each, `case-<unit>-<case id>`),
 * supervision findings of the five violation kinds with their evidence (one per source key, so a rerun finds
 * nothing twice), and rectification orders (`rectification-<id>`) with their timeline.
 */
export class Migration20261202920000_supervision extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table announced_case (
        id text primary key,
        organisation_id text not null references organisation(id),
        case_id text not null,
        type_code text not null,
        closed_at timestamptz not null,
        deadline_at timestamptz not null,
        deadline_provisional boolean not null,
        announced_at timestamptz not null,
        announced_by text not null,
        status text not null check (status in ('open', 'flagged', 'issued', 'issued_late')),
        arrived_at timestamptz,
        flagged_at timestamptz,
        workflow_id text not null unique,
        unique (organisation_id, case_id)
      );
      create index announced_case_status_idx on announced_case (status, organisation_id);

      create table supervision_finding (
        id text primary key,
        organisation_id text not null references organisation(id),
        kind text not null check (kind in ('catalogue', 'collection', 'correction', 'sharing', 'paper')),
        rule text not null,
        evidence jsonb not null,
        found_at timestamptz not null,
        state text not null check (state in ('new', 'ordered', 'rectified', 'dismissed')),
        order_id text,
        source_key text not null unique
      );
      create index supervision_finding_unit_idx on supervision_finding (organisation_id, state);

      create table rectification_order (
        id text primary key,
        management_organisation_id text not null references organisation(id),
        organisation_id text not null references organisation(id),
        finding_ids jsonb not null,
        requirements text not null,
        deadline_at timestamptz not null,
        deadline_provisional boolean not null,
        status text not null check (status in ('open', 'submitted', 'returned', 'accepted', 'overdue')),
        extension_reason text,
        responsible_persons jsonb not null default '[]',
        ordered_by text not null,
        ordered_at timestamptz not null,
        escalated_at timestamptz,
        closed_at timestamptz,
        workflow_id text not null unique
      );
      create index rectification_order_unit_idx on rectification_order (organisation_id, status);

      create table rectification_event (
        id text primary key,
        order_id text not null references rectification_order(id),
        kind text not null,
        actor_username text not null,
        detail jsonb not null default '{}',
        at timestamptz not null,
        event_key text not null unique
      );
      create index rectification_event_order_idx on rectification_event (order_id, at);
    `);
  }
}
