import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 20 Build 2: an organisation's certificate request may choose the key algorithm — RSA or SM2 (its seal then
 * signs SM3withSM2). Null: not chosen; an application gets RSA, a renewal keeps the algorithm of the certificate
 * it renews.
 */
export class Migration20261202992002_certificate_key_algorithm extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table organisation_certificate_request
        add column key_algorithm text check (key_algorithm in ('rsa', 'sm2'));
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table organisation_certificate_request drop column key_algorithm;`);
  }
}
