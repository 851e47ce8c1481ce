/**
 * 办件编号: the readable number of a process, `YZ-2026-000123` — the kind's prefix, the year the process started
 * (Asia/Shanghai) and its place in that year's sequence of the kind. Allocated once when the process starts
 * (db/case-numbers.ts) and shown on lists and pages instead of the workflow id.
 */
import type { ProcessKind } from './flow-definition';

export const CASE_NUMBER_PREFIXES: Record<ProcessKind, string> = {
  seal_application: 'YZ',
  seal_use: 'YY',
  seal_cancellation: 'ZX',
  seal_loss_handling: 'GS',
  seal_renewal: 'XQ',
  licence_revocation: 'FZ',
  certificate_application: 'ZS',
  certificate_renewal: 'ZG',
  certificate_revocation: 'ZD',
  licence_usage: 'YQ',
  seal_custodian_change: 'BG',
};

/** A whole case number, as a user types it in a search box (case-insensitive). */
export const CASE_NUMBER_PATTERN = /^[A-Z]{2}-\d{4}-\d{6}$/;

export function formatCaseNumber(prefix: string, year: number, seq: number): string {
  return `${prefix}-${year}-${String(seq).padStart(6, '0')}`;
}
