/**
 * The approval rows' one two-way mapping (db/approval-rows.ts, issue 19 review): what the projection writes is what
 * the API reads back when Temporal cannot answer, field by field; the projection is one statement.
 */
import {
  CC_COLUMNS,
  EVENT_COLUMNS,
  fromRow,
  PROCESS_COLUMNS,
  projectionSql,
  Row,
  TASK_COLUMNS,
  toRow,
} from '../../db/approval-rows';
import type { ApprovalEvent, ApprovalState, ApprovalTask, CcEntry } from '../../domain/approval';

const AT = '2026-03-02T01:00:00.000Z';
const actor = { userId: 'u2', displayName: '李四', organisationName: '审批科' };

const userTask: ApprovalTask = {
  id: 'p1:s1:r1:u1',
  stepIndex: 0,
  round: 1,
  assignee: {
    kind: 'user',
    userId: 'u1',
    displayName: '张三',
    organisationId: 'org-1',
    organisationName: '',
    email: null,
  },
  status: 'approved',
  origin: 'step',
  primary: true,
  parentId: null,
  openedAt: AT,
  dueAt: '2026-03-05T09:00:00.000Z',
  dueProvisional: true,
  actedAt: '2026-03-03T02:00:00.000Z',
  actedBy: { ...actor, organisationName: '' },
  comment: '同意',
  lastUrgedAt: null,
  branchKey: 'b1',
};
const groupTask: ApprovalTask = {
  ...userTask,
  id: 'p1:s2:r1:g',
  stepIndex: 1,
  assignee: { kind: 'group', organisationId: 'org-2', organisationName: '', role: 'seal_reviewer' },
  status: 'pending',
  actedAt: null,
  actedBy: null,
  comment: null,
  branchKey: null,
};
const event: ApprovalEvent = {
  seq: 3,
  at: AT,
  action: 'approved',
  stepIndex: 0,
  stepName: '县级审核',
  taskId: userTask.id,
  actor,
  targets: ['u3'],
  comment: '同意',
  attachments: [{ id: 'a1', fileName: '说明.pdf', size: 10 }],
  due: { dueAt: AT, provisional: false },
  signatureId: 'sig-1',
};
const cc: CcEntry = {
  user: { userId: 'u3', displayName: '王五', organisationId: 'org-1', organisationName: '', email: null },
  at: AT,
  by: actor,
  stepIndex: 0,
};
const state = {
  processKey: 'seal_application:a1',
  kind: 'seal_application',
  processId: 'a1',
  title: '刻制申请',
  detailPath: '/seal-applications/a1',
  initiator: cc.user,
  jurisdictionId: '140525',
  flow: {
    definitionId: 'd1',
    version: 2,
    name: '印章刻制审批',
    kind: 'seal_application',
    steps: [{ name: '县级审核' }, { name: '市级审核' }],
  },
  status: 'running',
  stepIndex: 1,
  stepDue: { dueAt: AT, provisional: false },
  suspension: null,
  outcomeReason: null,
  endedAt: null,
  tasks: [userTask, groupTask],
  history: [{ ...event, seq: 1 }, event],
  cc: [cc],
  breaches: [],
} as unknown as ApprovalState;

/** What the driver gives back: jsonb parsed, timestamptz as a Date. */
function stored(row: Row): Row {
  const json = ['actor', 'targets', 'attachments', 'due', 'added_by'];
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      typeof v === 'string' && json.includes(k)
        ? JSON.parse(v)
        : typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)
          ? new Date(v)
          : v,
    ]),
  );
}

describe('approval rows, both ways', () => {
  it.each([
    ['a person’s task', userTask],
    ['a department’s task', groupTask],
  ])('%s comes back from its inbox row as it went in', (_name, task) => {
    const row = toRow(TASK_COLUMNS, task, state);
    expect(row).toMatchObject({
      workflow_id: state.processKey,
      step_name: state.flow.steps[task.stepIndex]!.name,
      outcome: task.status === 'approved' ? 'approved' : null,
    });
    expect(fromRow(TASK_COLUMNS, stored(row))).toEqual(task);
  });

  it('a timeline entry and a CC entry come back as they went in', () => {
    expect(fromRow(EVENT_COLUMNS, stored(toRow(EVENT_COLUMNS, event, state)))).toEqual(event);
    const ccRow = toRow(CC_COLUMNS, cc, state);
    expect(ccRow).toMatchObject({ process_key: state.processKey, user_id: 'u3' });
    const { user: _user, ...rest } = cc;
    expect(fromRow(CC_COLUMNS, stored(ccRow))).toEqual(rest);
  });

  it('the projection is one statement with one parameter per column and row', () => {
    const { sql, params } = projectionSql(state);
    expect(sql.match(/insert into/g)).toHaveLength(4);
    const columns = (list: readonly unknown[]) => list.length;
    // Each delete names the process and what the state keeps: 2 tasks, 2 timeline entries, 1 CC'd user.
    expect(params).toHaveLength(
      columns(PROCESS_COLUMNS) +
        2 * columns(TASK_COLUMNS) +
        2 * columns(EVENT_COLUMNS) +
        columns(CC_COLUMNS) +
        (1 + 2) +
        (1 + 2) +
        (1 + 1),
    );
  });

  it('the projection makes the rows exactly the state: others deleted, unchanged rows left alone', () => {
    const { sql, params } = projectionSql(state);
    expect(sql).toContain('delete from task where workflow_id = ? and id not in (?, ?)');
    expect(sql).toContain('delete from approval_event where process_key = ? and seq not in (?, ?)');
    expect(sql).toContain('delete from approval_cc where process_key = ? and user_id not in (?)');
    expect(params).toEqual(expect.arrayContaining([userTask.id, groupTask.id]));
    expect(sql).toMatch(/on conflict \(process_key, seq\) do update set .* where \(approval_event\.at, /);
    expect(sql).toMatch(/on conflict \(id\) do update set [^)]*updated_at = excluded\.updated_at/);
    const bare = projectionSql({ ...state, tasks: [], cc: [] }).sql;
    expect(bare).toContain('delete from task where workflow_id = ?)');
    expect(bare).toContain('delete from approval_cc where process_key = ?)');
    expect(bare.match(/insert into/g)).toHaveLength(2);
  });
});
