import { Migration } from '@mikro-orm/migrations';

/**
 * The approval clock (issue 10): a process's open suspension (补正 etc.) for the inbox's 已中止, and in-app notices
 * (reminders with the time left) per user.
 */
export class Migration20261202400000_approval_clock extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table approval_process add column suspension_kind text;
      alter table approval_process add column suspended_at timestamptz;
      create table in_app_notice (
        id text primary key,
        user_id text not null references app_user(id),
        process_key text not null references approval_process(id),
        kind text not null,
        title text not null,
        body text not null,
        url text not null,
        created_at timestamptz not null,
        read_at timestamptz
      );
      create index in_app_notice_user_idx on in_app_notice (user_id, created_at desc);
      create index approval_process_due_idx on approval_process (status, step_due_at);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table in_app_notice;
      drop index approval_process_due_idx;
      alter table approval_process drop column suspension_kind;
      alter table approval_process drop column suspended_at;
    `);
  }
}
