import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 17 Build 5: 办件编号, a readable number per process (`YZ-2026-000123`, domain/case-number.ts): a counter per
 * kind prefix and year, and the number on approval_process, unique. Existing processes are numbered here in the
 * order they started, and the counters continue after them.
 */
export class Migration20261202986001_case_numbers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table case_number_counter (
      prefix text not null,
      year integer not null,
      last integer not null,
      primary key (prefix, year)
    );`);
    this.addSql(`alter table approval_process add column case_number text;`);
    this.addSql(`with prefixes (kind, prefix) as (values
        ('seal_application', 'YZ'), ('seal_use', 'YY'), ('seal_cancellation', 'ZX'),
        ('seal_loss_handling', 'GS'), ('seal_renewal', 'XQ'), ('licence_revocation', 'FZ'),
        ('certificate_application', 'ZS'), ('certificate_renewal', 'ZG'), ('certificate_revocation', 'ZD'),
        ('licence_usage', 'YQ')),
      numbered as (
        select p.id, x.prefix, extract(year from p.started_at at time zone 'Asia/Shanghai')::int as year,
               row_number() over (partition by x.prefix, extract(year from p.started_at at time zone 'Asia/Shanghai')
                                  order by p.started_at, p.id) as seq
          from approval_process p join prefixes x on x.kind = p.kind)
      update approval_process p
         set case_number = n.prefix || '-' || n.year || '-' || lpad(n.seq::text, 6, '0')
        from numbered n where n.id = p.id;`);
    this.addSql(`insert into case_number_counter (prefix, year, last)
      select split_part(case_number, '-', 1), split_part(case_number, '-', 2)::int,
             max(split_part(case_number, '-', 3)::int)
        from approval_process where case_number is not null group by 1, 2;`);
    this.addSql(`create unique index approval_process_case_number on approval_process (case_number);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index approval_process_case_number;`);
    this.addSql(`alter table approval_process drop column case_number;`);
    this.addSql(`drop table case_number_counter;`);
  }
}
