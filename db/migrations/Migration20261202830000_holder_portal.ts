import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 16 (LM-16 … LM-21, WP-(三)3-4): the holder's side of a licence.
 * - licence_status_index: each licence's place in the published Token Status List (draft-ietf-oauth-status-list),
 *   allocated the first time its holder shows it (亮证); list = floor(idx / list size), bit = idx mod list size.
 * - licence_consent: a holder's authorisation of a using unit (grantee_organisation_id) or a share link
 *   (share_token_hash, the SHA-256 of the link's secret), for a purpose and a period, full or masked; revocable.
 * - licence_archive: a using unit's case file of a licence it relied on (LM-21), with the export and the
 *   verification report frozen as they were at that moment.
 */
export class Migration20261202830000_holder_portal extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table licence_status_index (
        licence_id text primary key references licence(id),
        idx bigserial not null unique,
        created_at timestamptz not null default now()
      );
      create table licence_consent (
        id text primary key,
        licence_id text not null references licence(id),
        holder_user_id text not null references app_user(id),
        grantee_organisation_id text references organisation(id),
        share_token_hash text unique,
        purpose text not null,
        full_data boolean not null,
        valid_from timestamptz not null,
        valid_to timestamptz not null,
        revoked_at timestamptz,
        created_at timestamptz not null,
        check ((grantee_organisation_id is null) <> (share_token_hash is null)),
        check (valid_to > valid_from)
      );
      create index licence_consent_grantee on licence_consent (grantee_organisation_id, licence_id);
      create index licence_consent_licence on licence_consent (licence_id);
      create table licence_archive (
        id text primary key,
        organisation_id text not null references organisation(id),
        case_ref text not null,
        licence_identifier text not null,
        export jsonb,
        report jsonb not null,
        archived_by text not null,
        archived_at timestamptz not null
      );
      create index licence_archive_org on licence_archive (organisation_id, archived_at desc);
    `);
  }
}
