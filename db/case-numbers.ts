/**
 * Allocates a process's 办件编号 (domain/case-number.ts) from the per-kind, per-year counter table, once: a process
 * that has one keeps it, so the projection that calls this on every change (and its retries) never draws a second
 * number. Runs in the caller's transaction, the process row locked.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { shanghaiDateOf } from '../domain/calendar';
import { CASE_NUMBER_PREFIXES, formatCaseNumber } from '../domain/case-number';
import type { ProcessKind } from '../domain/flow-definition';

export async function allocateCaseNumber(
  tx: EntityManager,
  processKey: string,
  kind: ProcessKind,
  startedAt: Date,
): Promise<string> {
  const [row] = await tx.execute<Array<{ case_number: string | null }>>(
    'select case_number from approval_process where id = ? for update',
    [processKey],
  );
  if (!row) throw new Error(`no approval_process ${processKey}`);
  if (row.case_number) return row.case_number;
  const prefix = CASE_NUMBER_PREFIXES[kind];
  const year = Number(shanghaiDateOf(startedAt).slice(0, 4));
  const [next] = await tx.execute<Array<{ last: number }>>(
    `insert into case_number_counter (prefix, year, last) values (?, ?, 1)
     on conflict (prefix, year) do update set last = case_number_counter.last + 1 returning last`,
    [prefix, year],
  );
  const caseNumber = formatCaseNumber(prefix, year, next!.last);
  await tx.execute('update approval_process set case_number = ? where id = ?', [caseNumber, processKey]);
  return caseNumber;
}

/** The case numbers of these processes, by process key. */
export async function caseNumbersOf(em: EntityManager, processKeys: string[]): Promise<Map<string, string>> {
  if (processKeys.length === 0) return new Map();
  const rows = await em
    .getConnection()
    .execute<Array<{ id: string; case_number: string | null }>>(
      `select id, case_number from approval_process where id = any(string_to_array(?, ','))`,
      [processKeys.join(',')],
    );
  return new Map(rows.filter((r) => r.case_number).map((r) => [r.id, r.case_number!]));
}
