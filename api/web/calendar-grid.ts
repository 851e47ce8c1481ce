/**
 * Issue 17 Build 6: a year of the working-day calendar as twelve month grids (weeks from Monday), each day marked as
 * a holiday (休), an adjusted working day (班), a weekend or an ordinary working day, with the holiday's name.
 */
import { dayOfWeek } from '../../domain/calendar';

export type DayKind = 'holiday' | 'workday' | 'weekend' | 'working';

export interface GridDay {
  day: number;
  date: string;
  kind: DayKind;
  name: string;
  mark: string;
}

export interface MonthGrid {
  month: number;
  label: string;
  weeks: Array<Array<GridDay | null>>;
}

const MARKS: Record<DayKind, string> = { holiday: '休', workday: '班', weekend: '', working: '' };

export function yearGrid(
  year: number,
  holidays: ReadonlyArray<{ date: string; name: string }>,
  workdays: ReadonlyArray<{ date: string; name: string }>,
): MonthGrid[] {
  const holidayNames = new Map(holidays.map((d) => [d.date, d.name]));
  const workdayNames = new Map(workdays.map((d) => [d.date, d.name]));
  return Array.from({ length: 12 }, (_, i) => {
    const month = i + 1;
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const cells: Array<GridDay | null> = [];
    for (let day = 1; day <= days; day++) {
      const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      const weekday = dayOfWeek(date);
      if (day === 1) for (let k = 0; k < (weekday + 6) % 7; k++) cells.push(null);
      const kind: DayKind = holidayNames.has(date)
        ? 'holiday'
        : workdayNames.has(date)
          ? 'workday'
          : weekday === 0 || weekday === 6
            ? 'weekend'
            : 'working';
      const name = holidayNames.get(date) ?? workdayNames.get(date) ?? '';
      cells.push({ day, date, kind, name, mark: MARKS[kind] });
    }
    while (cells.length % 7 !== 0) cells.push(null);
    const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
    return { month, label: `${month}月`, weeks };
  });
}
