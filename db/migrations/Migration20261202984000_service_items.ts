import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 16 Build 7 (WP-(一)1, LM-15): service items (政务服务事项) and the licences each needs, with whether paper is
 * still asked for (exempt: the unit fetches it by sharing; electronic: the electronic licence is accepted; paper: a
 * paper original is still required). A licence the catalogue does not hold yet is named without a type code. A
 * usage-list request names the service items it is for.
 */
export class Migration20261202984000_service_items extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table service_item (
        code text primary key,
        name text not null,
        organisation_id text references organisation(id),
        summary text not null default '',
        position int not null default 0
      );
      create table service_item_licence (
        service_item_code text not null references service_item(code) on delete cascade,
        position int not null,
        licence_name text not null,
        type_code char(21),
        submission text not null check (submission in ('exempt', 'electronic', 'paper')),
        note text not null default '',
        primary key (service_item_code, position)
      );
      alter table licence_usage_request add column service_items jsonb not null default '[]';
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table licence_usage_request drop column service_items;
      drop table service_item_licence;
      drop table service_item;
    `);
  }
}
