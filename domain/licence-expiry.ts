/**
 * Issue 12 Build 3 (WP-(三)5): which expiry reminder a licence is due on a given Shanghai date, and whether it has
 * expired then. Pure. A reminder for offset n is due from n days before the validity's last day; when several
 * offsets have passed (a licence first swept late), only the nearest is sent, the older ones being stale. With one
 * mail per licence and offset (the mail's idempotency key), a daily sweep sends each offset exactly once.
 */
import { addCalendarDays } from './calendar';

/** The offset (days) whose reminder is due on `date`, or null: none passed yet, or the licence has expired. */
export function reminderDue(validTo: string, offsets: readonly number[], date: string): number | null {
  if (date > validTo) return null;
  const passed = offsets.filter((n) => date >= addCalendarDays(validTo, -n));
  return passed.length > 0 ? Math.min(...passed) : null;
}

/** Whole calendar days from `date` to the validity's last day. */
export function daysUntil(validTo: string, date: string): number {
  return Math.round((Date.parse(`${validTo}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
}

/** A licence is expired on `date` once its validity's last day has passed (Shanghai dates). */
export function expiredOn(validTo: string | null, date: string): boolean {
  return validTo !== null && date > validTo;
}

/** The mail idempotency key of a licence's reminder at an offset: one mail per licence and offset. */
export function reminderMailKey(licenceId: string, offset: number): string {
  return `licence-expiry-reminder:${licenceId}:${offset}`;
}

/** The largest offset any catalogue may set (domain/licence-type.ts reminderDaysBeforeExpiry). */
export const MAX_REMINDER_DAYS = 3650;
