import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 19 (LM-10, WP-(二)2): legacy conversion (存量转换). A conversion job holds one uploaded file of one unit and
 * licence type: its rows (staged here as column → cell text, with each row's problems once checked), the column
 * mapping, the one seal-use authorisation it signs under (SM-12) and how far its batches have committed. A
 * converted licence has no issuance request: it names its job and its legacy number instead, unique per unit and
 * type, so that the same file run twice converts nothing twice. Units enter their estimated stock per type for the
 * completion report.
 */
export class Migration20261202860000_licence_conversion extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table conversion_job (
        id text primary key,
        organisation_id text not null references organisation(id),
        type_id text not null references licence_type(id),
        type_code char(21) not null,
        file_name text not null,
        file_format text not null check (file_format in ('csv', 'xlsx', 'ndjson')),
        columns jsonb not null,
        mapping jsonb,
        status text not null check (status in ('uploaded', 'checked', 'running', 'completed', 'failed')),
        total_rows int not null,
        invalid_rows int,
        authorisation_id text references seal_use_authorisation(id),
        next_row int not null default 1,
        converted int not null default 0,
        already_converted int not null default 0,
        rejected int not null default 0,
        failure_reason text,
        created_by text not null references app_user(id),
        created_at timestamptz not null default now(),
        started_at timestamptz,
        finished_at timestamptz
      );
      create index conversion_job_unit_idx on conversion_job (organisation_id, created_at desc);

      create table conversion_row (
        job_id text not null references conversion_job(id) on delete cascade,
        row_number int not null,
        cells jsonb not null,
        problems jsonb,
        primary key (job_id, row_number)
      );
      create index conversion_row_rejected_idx on conversion_row (job_id, row_number) where problems is not null;

      create table conversion_mapping (
        organisation_id text not null references organisation(id),
        type_code char(21) not null,
        mapping jsonb not null,
        updated_at timestamptz not null default now(),
        primary key (organisation_id, type_code)
      );

      create table conversion_estimate (
        organisation_id text not null references organisation(id),
        type_code char(21) not null,
        estimated_stock int not null check (estimated_stock >= 0),
        updated_by text not null references app_user(id),
        updated_at timestamptz not null default now(),
        primary key (organisation_id, type_code)
      );

      -- One authorisation covers a whole conversion file (domain/seal-use.ts SEAL_USE_MAX_CONVERSION_USES); the
      -- request body still caps any other request at 1000 uses.
      alter table seal_use_request drop constraint seal_use_request_max_uses_check;
      alter table seal_use_request add constraint seal_use_request_max_uses_check
        check (max_uses between 1 and 1000000);

      alter table licence alter column issuance_id drop not null;
      alter table licence add column conversion_job_id text references conversion_job(id);
      alter table licence add column legacy_number text;
      alter table licence add constraint licence_origin_check
        check ((issuance_id is not null) <> (conversion_job_id is not null and legacy_number is not null));
      create unique index licence_legacy_number_uq on licence (issuer_organisation_id, type_code, legacy_number)
        where legacy_number is not null;
      create index licence_conversion_job_idx on licence (conversion_job_id) where conversion_job_id is not null;
    `);
  }
}
