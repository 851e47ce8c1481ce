/**
 * The working-day calendar in PostgreSQL: seeding from `chinese-days`, loading a WorkingCalendar, and replacing a
 * year as an administrator does. A year has data exactly when it has a `calendar_year` row.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { CalendarYearData, WorkingCalendar } from '../domain/calendar';
import { CalendarDayRecord, CalendarYear } from './calendar-entities';
import { CALENDAR_SEED_SOURCE, chineseDaysCalendar } from './calendar-seed';
import { copyPerKey, VersionedCopy } from './versioned-copy';

/** Source of a year once an administrator has saved it. */
export const ADMIN_SOURCE = 'admin';

export interface StoredCalendarYear extends CalendarYearData {
  source: string;
  updatedAt: Date;
  updatedBy: string | null;
}

/**
 * Inserts every seed year that the database does not have yet, with its days; a year already present (seeded
 * earlier or edited by an administrator) is left exactly as it is. Safe to run on every start and concurrently.
 */
export async function seedCalendar(
  em: EntityManager,
  years: CalendarYearData[] = chineseDaysCalendar(),
  source: string = CALENDAR_SEED_SOURCE,
): Promise<number[]> {
  const added: number[] = [];
  await em.transactional(async (tx) => {
    for (const data of years) {
      const inserted = await tx.execute<Array<{ year: number }>>(
        `insert into calendar_year (year, source, updated_at) values (?, ?, clock_timestamp())
         on conflict (year) do nothing returning year`,
        [data.year, source],
      );
      if (inserted.length !== 1) continue;
      await insertDays(tx, data);
      added.push(data.year);
    }
  });
  return added;
}

async function insertDays(em: EntityManager, data: CalendarYearData): Promise<void> {
  const rows = [
    ...data.holidays.map((d) => ({ date: d.date, year: data.year, kind: 'holiday' as const, name: d.name })),
    ...data.workdays.map((d) => ({ date: d.date, year: data.year, kind: 'workday' as const, name: d.name })),
  ];
  if (rows.length > 0) await em.insertMany(CalendarDayRecord, rows);
}

/** Every year with data, with its days sorted by date. */
export async function loadCalendarYears(em: EntityManager): Promise<StoredCalendarYear[]> {
  const years = await em.find(CalendarYear, {}, { orderBy: { year: 'asc' }, disableIdentityMap: true });
  const days = await em.find(CalendarDayRecord, {}, { orderBy: { date: 'asc' }, disableIdentityMap: true });
  return years.map((y) => toStored(y, days));
}

/** One year with its days, or null when the year has no data. */
export async function loadCalendarYear(em: EntityManager, year: number): Promise<StoredCalendarYear | null> {
  const row = await em.findOne(CalendarYear, { year }, { disableIdentityMap: true });
  if (!row) return null;
  const days = await em.find(
    CalendarDayRecord,
    { year },
    { orderBy: { date: 'asc' }, disableIdentityMap: true },
  );
  return toStored(row, days);
}

function toStored(row: CalendarYear, days: CalendarDayRecord[]): StoredCalendarYear {
  const of = (kind: 'holiday' | 'workday') =>
    days.filter((d) => d.year === row.year && d.kind === kind).map((d) => ({ date: d.date, name: d.name }));
  return {
    year: row.year,
    holidays: of('holiday'),
    workdays: of('workday'),
    source: row.source,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}

/** The calendar as stored now. */
export async function loadWorkingCalendar(em: EntityManager): Promise<WorkingCalendar> {
  return new WorkingCalendar(await loadCalendarYears(em));
}

/**
 * A cheap fingerprint of the stored calendar: every change goes through replaceCalendarYear or seedCalendar, both
 * of which write `calendar_year` with the database's clock, so a cache keyed by this is never stale, on this node
 * or any other.
 */
export async function calendarVersion(em: EntityManager): Promise<string> {
  const [row] = await em.execute<Array<{ version: string }>>(
    `select count(*)::text || '|' || coalesce(max(updated_at)::text, '') as version from calendar_year`,
  );
  return row.version;
}

/**
 * The one calendar copy of a database (keyed by its ORM), reloaded only when a year was added or edited (on any
 * node, see calendarVersion): one small query per use instead of reading every listed day. The API's deadlines,
 * the licence lateness checks and the workflows' step deadlines in a process all read the calendar through it.
 */
export const calendarCacheOf = copyPerKey(
  () =>
    new VersionedCopy(calendarVersion, async (em, version) => ({
      version,
      value: await loadWorkingCalendar(em),
    })),
);

/**
 * Replaces a year's days with `data` and marks the year as edited by `username`. Runs inside the caller's
 * transaction (`em` should be a transactional one), so that the change and its audit event commit together.
 */
export async function replaceCalendarYear(
  em: EntityManager,
  data: CalendarYearData,
  username: string,
): Promise<void> {
  await em.execute(
    `insert into calendar_year (year, source, updated_at, updated_by) values (?, ?, clock_timestamp(), ?)
     on conflict (year) do update set source = excluded.source, updated_at = excluded.updated_at,
       updated_by = excluded.updated_by`,
    [data.year, ADMIN_SOURCE, username],
  );
  await em.nativeDelete(CalendarDayRecord, { year: data.year });
  await insertDays(em, data);
}
