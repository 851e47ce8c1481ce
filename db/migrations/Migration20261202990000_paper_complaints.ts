import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 14 Build 2 (LM-28): complaints that a unit demanded a paper licence although sharing could supply it
 * (violation kind 5), raised by the holder or anyone from the public verification page or the licence page; and
 * the licence a service item yields (结果证照), so that a unit's service item yielding a licence without a licence
 * type in the catalogue is a finding of kind 1.
 */
export class Migration20261202990000_paper_complaints extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table paper_complaint (
        id text primary key,
        organisation_id text not null references organisation(id),
        service_item_code text references service_item(code),
        licence_identifier text,
        description text not null,
        contact jsonb not null,
        complainant_user_id text,
        received_at timestamptz not null
      );
      create index paper_complaint_unit_idx on paper_complaint (organisation_id, received_at desc);
      alter table service_item add column yields_licence text;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table service_item drop column yields_licence;
      drop table paper_complaint;
    `);
  }
}
