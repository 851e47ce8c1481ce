import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 20 Build 3: where the CA certificate is published (`<PUBLIC_URL>/ca.pem`). Every certificate the CA issues
 * carries it as its authority information access (caIssuers, RFC 5280 §4.2.2.1), so that anyone holding a
 * certificate can fetch its issuer. The signing worker sets it from its configuration at each start.
 */
export class Migration20261202970000_ca_issuers_url extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table certificate_authority add column ca_issuers_url text;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table certificate_authority drop column ca_issuers_url;`);
  }
}
