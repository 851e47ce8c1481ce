import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 19 (LM-10): a converted licence's signature record is stored once, in the licence row (`licence.signature`),
 * not a second time in `seal_signature.record`. The record (about 8.5 KB of JSON: the seal info with its imprint and
 * certificate, the signer's certificate) was a third of a conversion's bytes and, compressed twice by PostgreSQL, a
 * third of its PostgreSQL CPU per row. Such a `seal_signature` row names its licence instead, and readers take the
 * record from there (db/seal-use-entities.ts). Every other signing still stores its record here.
 */
export class Migration20261205500001_conversion_record_once extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table seal_signature add column licence_id text;
      alter table seal_signature alter column record drop not null;
      alter table seal_signature add constraint seal_signature_record_check
        check ((record is null) = (licence_id is not null));
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table seal_signature drop constraint seal_signature_record_check;
      update seal_signature s set record = l.signature from licence l where l.id = s.licence_id;
      alter table seal_signature alter column record set not null;
      alter table seal_signature drop column licence_id;
    `);
  }
}
