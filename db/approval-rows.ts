/**
 * The approval engine's state and the inbox tables' rows, both ways, one table per row type: the projection writes
 * rows with it (activities/approval.ts) and the API reads a process back from them when Temporal cannot answer
 * (api/services/approvals.ts). Keys are the tables' column names; jsonb columns are written as JSON text.
 */
import type { ApprovalEvent, ApprovalState, ApprovalTask, CcEntry } from '../domain/approval';
import type { UserRole } from '../domain/roles';

export type Row = Record<string, unknown>;

/** One column: its value for an object of a process, and (unless the column is the process's) what it gives back. */
export interface Column<T> {
  column: string;
  write(o: T, state: ApprovalState): unknown;
  read?(row: Row): Partial<T>;
}

type Field<T> = keyof T & string;

/** An ISO instant from a timestamptz value (a Date from the driver, or text). */
export function isoOf(v: unknown): string | null {
  return v === null || v === undefined ? null : new Date(v as string | Date).toISOString();
}

function same<T>(field: Field<T>, column: string): Column<T> {
  return {
    column,
    write: (o) => o[field] ?? null,
    read: (r) => ({ [field]: r[column] ?? null }) as Partial<T>,
  };
}

function time<T>(field: Field<T>, column: string): Column<T> {
  return {
    column,
    write: (o) => isoOf(o[field]),
    read: (r) => ({ [field]: isoOf(r[column]) }) as Partial<T>,
  };
}

function json<T>(field: Field<T>, column: string, empty: unknown = null): Column<T> {
  return {
    column,
    write: (o) =>
      o[field] === null || o[field] === undefined
        ? empty === null
          ? null
          : JSON.stringify(empty)
        : JSON.stringify(o[field]),
    read: (r) => ({ [field]: r[column] ?? empty }) as Partial<T>,
  };
}

function processWide<T>(column: string, write: (o: T, state: ApprovalState) => unknown): Column<T> {
  return { column, write };
}

/** `approval_process`: the process itself (written by the projection; the view reads its own fields). */
export const PROCESS_COLUMNS: ReadonlyArray<Column<ApprovalState>> = [
  processWide('id', (s) => s.processKey),
  processWide('kind', (s) => s.kind),
  processWide('process_id', (s) => s.processId),
  processWide('title', (s) => s.title),
  processWide('detail_path', (s) => s.detailPath),
  processWide('initiator_id', (s) => s.initiator.userId),
  processWide('organisation_id', (s) => s.initiator.organisationId),
  processWide('jurisdiction_id', (s) => s.jurisdictionId),
  processWide('definition_id', (s) => s.flow.definitionId),
  processWide('definition_version', (s) => s.flow.version),
  processWide('status', (s) => s.status),
  processWide('current_step_index', (s) => (running(s) ? s.stepIndex : null)),
  processWide('current_step_name', (s) => (running(s) ? s.flow.steps[s.stepIndex]!.name : null)),
  processWide('step_due_at', (s) => (running(s) ? isoOf(s.stepDue?.dueAt) : null)),
  processWide('step_due_provisional', (s) => running(s) && !!s.stepDue?.provisional),
  processWide('suspension_kind', (s) => (running(s) ? (s.suspension?.kind ?? null) : null)),
  processWide('suspended_at', (s) => (running(s) ? isoOf(s.suspension?.at) : null)),
  processWide('outcome_reason', (s) => s.outcomeReason),
  processWide('started_at', (s) => isoOf(s.history[0]!.at)),
  processWide('ended_at', (s) => isoOf(s.endedAt)),
  processWide('updated_at', () => new Date().toISOString()),
  processWide('variables', (s) => (s.variables ? JSON.stringify(s.variables) : null)),
];

const running = (s: ApprovalState) => s.status === 'running';

/** `task`: a task of the engine (ApprovalTask) as its inbox row. */
export const TASK_COLUMNS: ReadonlyArray<Column<ApprovalTask>> = [
  same('id', 'id'),
  processWide('process_kind', (_t, s) => s.kind),
  processWide('process_id', (_t, s) => s.processId),
  processWide('workflow_id', (_t, s) => s.processKey),
  processWide('title', (_t, s) => s.title),
  processWide('step_name', (t, s) => s.flow.steps[t.stepIndex]!.name),
  same('stepIndex', 'step_index'),
  same('round', 'round'),
  same('origin', 'origin'),
  same('primary', 'is_primary'),
  same('parentId', 'parent_task_id'),
  {
    column: 'assignee_user_id',
    write: (t) => (t.assignee.kind === 'user' ? t.assignee.userId : null),
    read: (r) => ({
      assignee:
        r.assignee_user_id !== null
          ? {
              kind: 'user',
              userId: r.assignee_user_id as string,
              displayName: (r.assignee_name as string | null) ?? '',
              organisationId: (r.assignee_organisation_id as string | null) ?? '',
              organisationName: '',
              email: null,
            }
          : {
              kind: 'group',
              organisationId: r.assignee_organisation_id as string,
              organisationName: '',
              role: r.assignee_role as UserRole,
            },
    }),
  },
  processWide('assignee_name', (t) => (t.assignee.kind === 'user' ? t.assignee.displayName : null)),
  processWide('assignee_organisation_id', (t) => t.assignee.organisationId),
  processWide('assignee_role', (t) => (t.assignee.kind === 'group' ? t.assignee.role : null)),
  same('status', 'status'),
  processWide('outcome', (t) => (t.status === 'approved' || t.status === 'rejected' ? t.status : null)),
  processWide('acted_by_id', (t) => (t.actedBy && t.actedBy.userId !== 'system' ? t.actedBy.userId : null)),
  {
    column: 'acted_by_name',
    write: (t) => t.actedBy?.displayName ?? null,
    read: (r) => ({
      actedBy: r.acted_by_name
        ? {
            userId: (r.acted_by_id as string | null) ?? '',
            displayName: r.acted_by_name as string,
            organisationName: '',
          }
        : null,
    }),
  },
  time('actedAt', 'acted_at'),
  same('comment', 'comment'),
  time('dueAt', 'due_at'),
  same('dueProvisional', 'due_provisional'),
  time('lastUrgedAt', 'last_urged_at'),
  {
    column: 'opened_at',
    write: (t) => isoOf(t.openedAt),
    read: (r) => ({ openedAt: isoOf(r.opened_at ?? r.created_at)! }),
  },
  processWide('created_at', (t) => isoOf(t.openedAt)),
  same('branchKey', 'branch_key'),
];

/** `approval_event`: an entry of the process's timeline. */
export const EVENT_COLUMNS: ReadonlyArray<Column<ApprovalEvent>> = [
  processWide('process_key', (_e, s) => s.processKey),
  same('seq', 'seq'),
  time('at', 'at'),
  same('action', 'action'),
  same('stepIndex', 'step_index'),
  same('stepName', 'step_name'),
  same('taskId', 'task_id'),
  json('actor', 'actor'),
  json('targets', 'targets', []),
  same('comment', 'comment'),
  json('attachments', 'attachments', []),
  json('due', 'due'),
  same('signatureId', 'signature_id'),
];

/** `approval_cc`: a CC'd user (the user's name is read from app_user). */
export const CC_COLUMNS: ReadonlyArray<Column<CcEntry>> = [
  processWide('process_key', (_c, s) => s.processKey),
  processWide('user_id', (c) => c.user.userId),
  time('at', 'at'),
  json('by', 'added_by'),
  same('stepIndex', 'step_index'),
];

/** The row of one object of a process. */
export function toRow<T>(columns: ReadonlyArray<Column<T>>, o: T, state: ApprovalState): Row {
  return Object.fromEntries(columns.map((c) => [c.column, c.write(o, state)]));
}

/** What a row gives back of the object (the columns that are the process's give nothing). */
export function fromRow<T>(columns: ReadonlyArray<Column<T>>, row: Row): T {
  return Object.assign({}, ...columns.map((c) => c.read?.(row) ?? {})) as T;
}

interface Sql {
  sql: string;
  params: unknown[];
}

/** A multi-row INSERT of `rows` (all with the same columns), ending with `conflict`. */
function insertOf(table: string, rows: Row[], conflict: string): Sql {
  const columns = Object.keys(rows[0]!);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return {
    sql: `insert into ${table} (${columns.join(', ')}) values ${rows.map(() => tuple).join(', ')} ${conflict}`,
    params: rows.flatMap((r) => columns.map((c) => r[c])),
  };
}

/**
 * `on conflict … do update` of every column but the key's; given its table, only rows that would change (an unchanged
 * row is left alone: no new row version, no index entries written).
 */
function updateOf(key: string[], row: Row, table?: string): string {
  const columns = Object.keys(row).filter((c) => !key.includes(c));
  const list = (prefix: string) => columns.map((c) => `${prefix}.${c}`).join(', ');
  return (
    `on conflict (${key.join(', ')}) do update set ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}` +
    (table ? ` where (${list(table)}) is distinct from (${list('excluded')})` : '')
  );
}

/** The rows of `table` of the process (`owner` its column) whose `key` is none of `keep`'s. */
function deleteOthers(table: string, owner: string, key: string, keep: unknown[], processKey: string): Sql {
  const others = keep.length ? ` and ${key} not in (${keep.map(() => '?').join(', ')})` : '';
  return { sql: `delete from ${table} where ${owner} = ?${others}`, params: [processKey, ...keep] };
}

/**
 * The whole projection of a process in one statement (issue 19: it is on the path of every approval step's answer):
 * the process row, its tasks, timeline and CC'd users made exactly what the state says — rows upserted (unchanged
 * ones left alone), rows the state does not have deleted. Exact, because the projection runs in the workflow task
 * that changed the state (a local activity): a task lost before it completed may have written a state the history
 * never recorded, and the next projection, from the history, must leave none of it. It returns the process's case
 * number (null until one is allocated).
 */
export function projectionSql(state: ApprovalState): Sql {
  const key = state.processKey;
  const process = toRow(PROCESS_COLUMNS, state, state);
  const tasks = state.tasks.map((t) => toRow(TASK_COLUMNS, t, state));
  const events = state.history.map((e) => toRow(EVENT_COLUMNS, e, state));
  const cc = state.cc.map((c) => toRow(CC_COLUMNS, c, state));
  const parts: Array<[string, Sql]> = [
    ['p', insertOf('approval_process', [process], updateOf(['id'], process))],
    [
      'td',
      deleteOthers(
        'task',
        'workflow_id',
        'id',
        tasks.map((t) => t.id),
        key,
      ),
    ],
    [
      'ed',
      deleteOthers(
        'approval_event',
        'process_key',
        'seq',
        events.map((e) => e.seq),
        key,
      ),
    ],
    [
      'cd',
      deleteOthers(
        'approval_cc',
        'process_key',
        'user_id',
        cc.map((c) => c.user_id),
        key,
      ),
    ],
  ];
  if (tasks.length) parts.push(['t', insertOf('task', tasks, updateOf(['id'], tasks[0]!, 'task'))]);
  if (events.length) {
    const conflict = updateOf(['process_key', 'seq'], events[0]!, 'approval_event');
    parts.push(['e', insertOf('approval_event', events, conflict)]);
  }
  if (cc.length) {
    const conflict = updateOf(['process_key', 'user_id'], cc[0]!, 'approval_cc');
    parts.push(['c', insertOf('approval_cc', cc, conflict)]);
  }
  const [first, ...rest] = parts;
  return {
    sql:
      `with p as (${first![1].sql} returning case_number)` +
      rest.map(([name, part]) => `, ${name} as (${part.sql})`).join('') +
      ' select case_number from p',
    params: parts.flatMap(([, part]) => part.params),
  };
}
