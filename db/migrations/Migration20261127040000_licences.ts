import { Migration } from '@mikro-orm/migrations';

/**
 * E-licences (LM-6, LM-7, LM-8, LM-9, LM-13): the versioned catalogue, issuance requests (idempotent by the issuing
 * unit's business case id, with their LM-9 deadline), licences and their versions with the seal signature, serials
 * per type and issuer, the data-exchange outbox (written in the licence's transaction, so a push is never lost),
 * and using units' usage lists. Holder accounts carry the code of the holder they act for. Seals registered at
 * platform setup (存量印章) have no application on the platform, so a seal's application becomes optional.
 */
export class Migration20261127040000_licences extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table seal alter column application_id drop not null;
      alter table app_user add column holder_code text;
      create index app_user_holder_code_idx on app_user (holder_code) where holder_code is not null;

      create table licence_type (
        id text primary key,
        code char(21) not null,
        version int not null check (version >= 1),
        status text not null check (status in ('draft','published','superseded')),
        name text not null,
        definition jsonb not null,
        created_by text references app_user(id),
        created_at timestamptz not null default now(),
        published_at timestamptz,
        superseded_at timestamptz,
        unique (code, version)
      );
      -- One published version per type code; at most one draft being edited.
      create unique index licence_type_published_idx on licence_type (code) where status = 'published';
      create unique index licence_type_draft_idx on licence_type (code) where status = 'draft';

      create table licence_serial (
        type_code char(21) not null,
        issuer_code char(18) not null,
        last_serial bigint not null,
        primary key (type_code, issuer_code)
      );

      create table licence_issuance (
        id text primary key,
        organisation_id text not null references organisation(id),
        case_id text not null,
        kind text not null check (kind in ('issue','change')),
        type_id text not null references licence_type(id),
        type_code char(21) not null,
        previous_licence_id text,
        request jsonb not null,
        request_fingerprint char(64) not null,
        workflow_id text not null unique,
        status text not null check (status in ('pending','awaiting_seal','issued','failed')),
        status_reason text,
        licence_id text,
        requested_by text not null references app_user(id),
        received_at timestamptz not null,
        case_closed_at timestamptz not null,
        deadline_at timestamptz not null,
        deadline_provisional boolean not null,
        late boolean not null,
        completed_at timestamptz,
        unique (organisation_id, case_id)
      );
      create index licence_issuance_late_idx on licence_issuance (organisation_id, received_at desc) where late;
      create index licence_issuance_status_idx on licence_issuance (organisation_id, status);

      create table licence (
        id text primary key,
        identifier text not null unique,
        series_id text not null,
        type_id text not null references licence_type(id),
        type_code char(21) not null,
        type_version int not null,
        name text not null,
        issuer_organisation_id text not null references organisation(id),
        issuer_code char(18) not null,
        serial text not null,
        version int not null check (version between 1 and 999),
        previous_identifier text references licence(identifier),
        licence_number text not null,
        holder_name text not null,
        holder_code text not null,
        holder_code_type text not null,
        holder_email text,
        metadata jsonb not null,
        data jsonb not null,
        issue_date text not null,
        valid_from text not null,
        valid_to text,
        status text not null,
        data_hash char(64) not null,
        signature jsonb not null,
        signature_id text not null references seal_signature(id),
        seal_id text not null references seal(id),
        issuance_id text not null unique references licence_issuance(id),
        issued_at timestamptz not null,
        created_at timestamptz not null default now(),
        unique (series_id, version),
        unique (type_code, issuer_code, serial, version)
      );
      create index licence_issuer_idx on licence (issuer_organisation_id, type_code, issued_at desc);
      create index licence_holder_idx on licence (holder_code);
      alter table licence_issuance add constraint licence_issuance_licence_fk
        foreign key (licence_id) references licence(id);

      create table exchange_outbox (
        id text primary key,
        licence_id text not null references licence(id),
        event text not null,
        payload jsonb not null,
        status text not null check (status in ('pending','delivered')),
        attempts int not null default 0,
        last_error text,
        created_at timestamptz not null default now(),
        delivered_at timestamptz,
        unique (licence_id, event)
      );
      create index exchange_outbox_pending_idx on exchange_outbox (created_at) where status = 'pending';

      create table licence_usage_grant (
        organisation_id text not null references organisation(id),
        type_code char(21) not null,
        purpose text not null,
        full_data boolean not null default false,
        primary key (organisation_id, type_code)
      );
    `);
  }
}
