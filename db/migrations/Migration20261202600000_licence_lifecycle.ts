import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 12 Build 1 (LM-8): a licence's life after issuance. `licence.suspensions` holds the suspensions in force
 * (挂失, 暂扣, 质押); `licence_event` is one row per event, unique per issuing unit and business case id (the
 * idempotency key), with its signature once recorded. `exchange_outbox.idempotency_key` is left as the row id.
 */
export class Migration20261202600000_licence_lifecycle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table licence add column suspensions jsonb not null default '[]'::jsonb;

      create table licence_event (
        id text primary key,
        licence_id text not null references licence (id),
        organisation_id text not null,
        case_id text not null,
        kind text not null,
        request jsonb not null,
        request_fingerprint text not null,
        workflow_id text not null,
        status text not null check (status in ('pending','awaiting_approval','awaiting_seal','recorded','rejected','failed')),
        status_reason text,
        effective_at timestamptz,
        state_after jsonb,
        data_hash text,
        signature jsonb,
        signature_id text,
        requested_by text not null,
        requested_at timestamptz not null,
        recorded_at timestamptz,
        constraint licence_event_case_unique unique (organisation_id, case_id)
      );
      create index licence_event_licence_idx on licence_event (licence_id, recorded_at);
      create index licence_event_open_idx on licence_event (licence_id)
        where status in ('pending','awaiting_approval','awaiting_seal');
      -- The daily expiry sweep pages through the licences in force with an end date, in id order.
      create index licence_in_force_end_idx on licence (id) where status in ('valid','suspended') and valid_to is not null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table licence_event; alter table licence drop column suspensions;`);
  }
}
