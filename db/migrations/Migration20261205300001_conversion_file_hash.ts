import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 19 (LM-10): a conversion job keeps the SHA-256 of its uploaded file, computed as the file streams in (the
 * upload is no longer held whole), and its size: the same file uploaded twice shows the same hash. Jobs staged
 * before have none.
 */
export class Migration20261205300001_conversion_file_hash extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table conversion_job add column file_sha256 text check (file_sha256 ~ '^[0-9a-f]{64}$');
      alter table conversion_job add column file_bytes bigint check (file_bytes >= 0);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table conversion_job drop column file_sha256, drop column file_bytes;`);
  }
}
