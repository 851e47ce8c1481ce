/** The working-day calendar's records (DESIGN §3), next to the foundation's in db/entities.ts. */
import { EntitySchema } from '@mikro-orm/core';

/** A year with official calendar data; `source` is the seed package or `admin` once edited. */
export class CalendarYear {
  year!: number;
  source!: string;
  updatedAt: Date = new Date();
  /** Username of the last editor; null for seeded data. */
  updatedBy: string | null = null;
}

export type CalendarDayKind = 'holiday' | 'workday';

export class CalendarDayRecord {
  /** `YYYY-MM-DD`. */
  date!: string;
  year!: number;
  kind!: CalendarDayKind;
  name!: string;
}

export const CalendarYearSchema = new EntitySchema<CalendarYear>({
  class: CalendarYear,
  tableName: 'calendar_year',
  properties: {
    year: { type: 'integer', primary: true, autoincrement: false },
    source: { type: 'text' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
    updatedBy: { type: 'text', nullable: true },
  },
});

export const CalendarDaySchema = new EntitySchema<CalendarDayRecord>({
  class: CalendarDayRecord,
  tableName: 'calendar_day',
  properties: {
    date: { type: 'date', primary: true },
    year: { type: 'integer' },
    kind: { type: 'string' },
    name: { type: 'text' },
  },
});
