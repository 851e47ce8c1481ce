import { Migration } from '@mikro-orm/migrations';

/**
 * Sign-in binds a person by the OIDC provider's `sub` (issue 11), which the provider never reassigns, instead of
 * the changeable `preferred_username`: each account records its subject, at most one account per subject. An
 * account without one cannot sign in through the provider until it is given one.
 */
export class Migration20261202000400_oidc_subject extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table app_user add column oidc_subject text;
      alter table app_user add constraint app_user_oidc_subject_unique unique (oidc_subject);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table app_user drop column oidc_subject;`);
  }
}
