import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 19 (LM-10): a licence's signature record is stored out of line without compression (`storage external`).
 * pglz, the only TOAST compression this PostgreSQL build has (no lz4), spent about 0.1 ms of CPU per licence to save
 * about 3.3 KB of its 8.5 KB; every verification that reads the record paid for decompressing it again.
 */
export class Migration20261205500002_licence_signature_uncompressed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table licence alter column signature set storage external;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table licence alter column signature set storage extended;`);
  }
}
