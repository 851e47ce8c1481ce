import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 13 Build 2: in-app reminders (in_app_notice) come from every task source of the 待办 inbox, not only the
 * approval engine's processes: a dispute's reminder names its workflow (`dispute-<id>`) as the process key, so the
 * key no longer references approval_process.
 */
export class Migration20261202981001_inbox_notice_sources extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table in_app_notice drop constraint if exists in_app_notice_process_key_fkey;');
  }

  override async down(): Promise<void> {
    this.addSql(
      `delete from in_app_notice n where not exists (select 1 from approval_process p where p.id = n.process_key);`,
    );
    this.addSql(
      'alter table in_app_notice add constraint in_app_notice_process_key_fkey foreign key (process_key) references approval_process(id);',
    );
  }
}
