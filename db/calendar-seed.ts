/**
 * The official holiday schedule as published by the State Council, taken from the npm package `chinese-days`
 * (DESIGN §3): the seed of the calendar tables. Administrators add a new year when the schedule is published
 * (October–December), which may be before a package release; the seed never overwrites their edits.
 */
import data from 'chinese-days/dist/chinese-days.json';
import { version } from 'chinese-days/package.json';
import type { CalendarDay, CalendarYearData } from '../domain/calendar';

/** Recorded as the source of seeded years, e.g. `chinese-days@1.5.7`. */
export const CALENDAR_SEED_SOURCE = `chinese-days@${version}`;

/** The package writes a day's value as `English name,中文名,days`: keep the Chinese name. */
function chineseName(value: string): string {
  const parts = value.split(',');
  return (parts.length >= 3 ? parts.slice(1, -1).join(',') : value).trim();
}

function days(map: Record<string, string>, year: number): CalendarDay[] {
  return Object.entries(map)
    .filter(([date]) => Number(date.slice(0, 4)) === year)
    .map(([date, value]) => ({ date, name: chineseName(value) }))
    .sort((a, b) => a.date.localeCompare(b.date));
}

/** Every year the package covers, with its holidays (days off) and make-up working days (调休上班), ascending. */
export function chineseDaysCalendar(): CalendarYearData[] {
  const holidays: Record<string, string> = data.holidays;
  const workdays: Record<string, string> = data.workdays;
  const years = new Set(
    [...Object.keys(holidays), ...Object.keys(workdays)].map((d) => Number(d.slice(0, 4))),
  );
  return [...years]
    .sort((a, b) => a - b)
    .map((year) => ({ year, holidays: days(holidays, year), workdays: days(workdays, year) }));
}
