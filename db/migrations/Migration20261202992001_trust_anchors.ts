import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 20 Build 3 (SM-3, WP-(二)1 mutual recognition): the trust list an administrator imports — the provincial
 * CA, other regions' seal platforms and CAs — each anchor with its certificate and the period signatures under it
 * are trusted for. A removed anchor keeps its row (removed_at) so that the list's history stays readable; the
 * verifier reads only the anchors not removed. One active anchor per certificate.
 */
export class Migration20261202992001_trust_anchors extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table trust_anchor (
        id text primary key,
        name text not null,
        kind text not null check (kind in ('provincial_ca', 'regional_seal_platform', 'regional_ca')),
        certificate_pem text not null,
        fingerprint_sha256 char(64) not null,
        subject text not null,
        valid_from timestamptz not null,
        valid_to timestamptz not null,
        imported_by text not null,
        imported_at timestamptz not null,
        removed_by text,
        removed_at timestamptz,
        check (valid_from <= valid_to)
      );
      create unique index trust_anchor_active_certificate on trust_anchor (fingerprint_sha256)
        where removed_at is null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table trust_anchor;`);
  }
}
