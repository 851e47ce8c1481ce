import { Migration } from '@mikro-orm/migrations';

/**
 * The working-day calendar (DESIGN §3): a row per year that has official data, and its listed days. A year
 * without a row has no data, so deadlines through it are provisional.
 */
export class Migration20261127010000_calendar extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table calendar_year (
        year integer primary key check (year between 1949 and 9999),
        source text not null,
        updated_at timestamptz not null default now(),
        updated_by text
      );
      create table calendar_day (
        date date primary key,
        year integer not null references calendar_year(year) on delete cascade,
        kind text not null check (kind in ('holiday','workday')),
        name text not null,
        check (extract(year from date) = year),
        check (kind = 'holiday' or extract(isodow from date) in (6, 7))
      );
      create index calendar_day_year_idx on calendar_day (year);
    `);
  }
}
