import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 13 (LM-23): disputes over a licence. A dispute is stored with its two working-day deadlines as computed at
 * receipt; its workflow (`dispute-<id>`) places the marker, records breaches and the outcome. Events are the
 * dispute's timeline, each written once (event_key). A breach is one row per dispute and kind.
 */
export class Migration20261202820000_disputes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table dispute (
        id text primary key,
        licence_identifier text not null,
        licence_series_id text not null,
        type_code text not null,
        issuer_organisation_id text not null references organisation(id),
        challenger_kind text not null check (challenger_kind in ('holder', 'using_unit', 'public')),
        challenger_user_id text references app_user(id),
        challenger_organisation_id text references organisation(id),
        challenger_name text not null,
        challenger_email text,
        challenger_phone text,
        ground text not null check (ground in ('accuracy', 'completeness', 'timeliness')),
        items jsonb not null,
        description text not null,
        attachments jsonb not null default '[]',
        status text not null check (status in ('received', 'marked', 'resolved', 'withdrawn')),
        received_at timestamptz not null,
        marker_due_at timestamptz not null,
        marker_provisional boolean not null,
        outcome_due_at timestamptz not null,
        outcome_provisional boolean not null,
        marked_at timestamptz,
        marked_by text check (marked_by in ('unit', 'platform')),
        outcome text check (outcome in ('corrected', 'confirmed', 'partly_corrected')),
        outcome_reasons text,
        new_identifier text,
        closed_at timestamptz,
        workflow_id text not null unique
      );
      create index dispute_licence_idx on dispute (licence_series_id, status);
      create index dispute_issuer_idx on dispute (issuer_organisation_id, status);

      create table dispute_event (
        id text primary key,
        dispute_id text not null references dispute(id),
        kind text not null,
        actor_username text not null,
        detail jsonb not null default '{}',
        at timestamptz not null,
        event_key text not null unique
      );
      create index dispute_event_dispute_idx on dispute_event (dispute_id, at);

      create table dispute_breach (
        dispute_id text not null references dispute(id),
        kind text not null check (kind in ('marker_late', 'outcome_late')),
        issuer_organisation_id text not null references organisation(id),
        due_at timestamptz not null,
        breached_at timestamptz not null,
        primary key (dispute_id, kind)
      );

      -- LM-24: each issuing and using unit names a responsible person and a deputy; a change closes the current
      -- assignment (until_at) and opens the next, so the history stays.
      create table designated_staff (
        id text primary key,
        organisation_id text not null references organisation(id),
        position text not null check (position in ('responsible', 'deputy')),
        user_id text not null references app_user(id),
        assigned_by text not null,
        since_at timestamptz not null,
        until_at timestamptz
      );
      create unique index designated_staff_current on designated_staff (organisation_id, position)
        where until_at is null;
    `);
  }
}
