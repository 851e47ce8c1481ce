import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 18: stamping PDFs.
 * - `timestamp_authority_key`: the platform timestamp authority's key (RFC 3161, Build 2), a certificate from the
 *   CA for timestamping only; one row, made by the signing worker on first use, the key encrypted like every key.
 * - `stamped_document` (Build 4, SM-13): every stamped PDF with the seal signature (and so the authorisation) that
 *   allowed it. Kept like the audit log: rows are never changed or removed (a trigger refuses UPDATE and DELETE, for
 *   every role).
 */
export class Migration20261202500000_pades extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table timestamp_authority_key (
        id text primary key,
        certificate_pem text not null,
        private_key_encrypted text not null,
        created_at timestamptz not null default now()
      );

      create table stamped_document (
        id text primary key,
        signature_id text not null unique references seal_signature(id),
        authorisation_id text not null references seal_use_authorisation(id),
        seal_id text not null references seal(id),
        organisation_id text not null references organisation(id),
        stamped_by text not null references app_user(id),
        file_name text not null,
        original_sha256 text not null,
        stamped_sha256 text not null,
        content bytea not null,
        created_at timestamptz not null default now()
      );
      create index stamped_document_organisation_idx on stamped_document (organisation_id, created_at desc);

      create function stamped_document_protect() returns trigger language plpgsql as $f$
      begin
        raise exception 'stamped_document is append-only (SM-13)';
      end
      $f$;
      create trigger stamped_document_append_only before update or delete on stamped_document
        for each row execute function stamped_document_protect();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table stamped_document;
      drop function stamped_document_protect();
      drop table timestamp_authority_key;
    `);
  }
}
