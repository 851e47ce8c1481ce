/**
 * Issue 15 Build 3: the open tasks of a person who left or moved go back to the step's role group, or to the
 * unit's leaders where the task was theirs alone; the timeline notes each; other people's tasks stay.
 */
import {
  applyAction,
  ApprovalInput,
  ApprovalState,
  Assignee,
  openStep,
  outcomeOf,
  startApproval,
  UserRef,
} from '../../domain/approval';
import { moveUnitTasks, releaseTasksOf } from '../../domain/approval-release';
import { FlowStep, FlowStep as FlowStepSchema, FlowStepInput } from '../../domain/flow-definition-schema';

const AT = '2026-03-02T01:00:00.000Z';
const LATER = '2026-03-02T02:00:00.000Z';

const user = (id: string, roles = ['seal_reviewer']): UserRef => ({
  userId: id,
  displayName: id.toUpperCase(),
  organisationId: 'dept',
  organisationName: '审批局',
  email: null,
  roles,
});
const asUser = (id: string): Assignee => ({ kind: 'user', ...user(id) });
const flowStep = (s: Partial<FlowStepInput> = {}): FlowStep =>
  FlowStepSchema.parse({
    key: 'a',
    name: '审核',
    approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'dept' }],
    mode: 'all',
    ...s,
  });

function started(step: FlowStep, assignees: Assignee[]): ApprovalState {
  const input: ApprovalInput = {
    processKey: 'p1',
    kind: 'seal_application',
    processId: 'a1',
    title: '测试',
    detailPath: '/x',
    initiator: { ...user('init'), organisationId: 'applicant', organisationName: '申请单位' },
    jurisdictionId: '140525',
    flow: { definitionId: 'd1', version: 1, name: 'flow', kind: 'seal_application', steps: [step] },
    choices: {},
    cc: [],
    comment: null,
    attachments: [],
    approverAuthority: null,
    parentNotifiesOutcome: false,
  };
  return openStep(startApproval(input, AT), { assignees, skippable: false }, null, AT);
}

const open = (s: ApprovalState) => s.tasks.filter((t) => t.status === 'pending');

describe('releaseTasksOf', () => {
  it('hands a task from a role rule back to that role group of the same unit, with a timeline note', () => {
    const s = started(flowStep(), [asUser('r1'), asUser('r2')]);
    const next = releaseTasksOf(s, { userId: 'r1', reason: 'deactivated' }, LATER);
    const old = next.tasks.find((t) => t.assignee.kind === 'user' && t.assignee.userId === 'r1')!;
    expect(old).toMatchObject({ status: 'transferred', actedAt: LATER });
    expect(open(next).map((t) => t.assignee)).toEqual([
      asUser('r2'),
      { kind: 'group', organisationId: 'dept', organisationName: '审批局', role: 'seal_reviewer' },
    ]);
    const note = next.history.at(-1)!;
    expect(note).toMatchObject({ action: 'reassigned', taskId: old.id, actor: null, targets: ['审批局'] });
    expect(note.comment).toBe('R1已停用，任务改由审批局同岗位人员办理');
    expect(next.outbox.at(-1)).toMatchObject({ type: 'task', taskIds: [open(next)[1]!.id] });
  });

  it('hands a task that named the person alone to the unit leaders', () => {
    const s = started(flowStep({ approvers: [{ type: 'user', userId: 'r1' }], mode: 'single' }), [
      asUser('r1'),
    ]);
    const next = releaseTasksOf(s, { userId: 'r1', reason: 'moved' }, LATER);
    expect(open(next).map((t) => t.assignee)).toEqual([
      { kind: 'group', organisationId: 'dept', organisationName: '审批局', role: 'unit_leader' },
    ]);
    expect(next.history.at(-1)!.comment).toBe('R1已调离本单位，任务改由审批局单位负责人办理');
  });

  it('leaves the state as it was when the person holds no open task', () => {
    const s = started(flowStep(), [asUser('r1'), asUser('r2')]);
    expect(releaseTasksOf(s, { userId: 'someone-else', reason: 'deactivated' }, LATER)).toBe(s);
  });

  it('the released task still counts: the step passes once the group and the others approve', () => {
    let s = started(flowStep(), [asUser('r1'), asUser('r2')]);
    s = releaseTasksOf(s, { userId: 'r1', reason: 'deactivated' }, LATER);
    const [mine, groupTask] = open(s);
    const actor = (id: string) => ({ ...user(id), roles: ['seal_reviewer'] as string[] });
    const approve = (state: ApprovalState, taskId: string, by: string) =>
      applyAction(
        state,
        'approve',
        { taskId, actor: actor(by), body: {}, people: {}, attachments: [] },
        LATER,
      );
    s = approve(s, mine!.id, 'r2');
    expect(s.status).toBe('running');
    s = approve(s, groupTask!.id, 'r3');
    expect(outcomeOf(s).status).toBe('approved');
  });
});

describe('moveUnitTasks (Build 4, a reorganisation)', () => {
  it('moves every open task of the unit to the successor’s group of the same role, noting each', () => {
    const s = started(flowStep(), [asUser('r1'), asUser('r2')]);
    const move = { fromOrganisationId: 'dept', toOrganisationId: 'dept2', toOrganisationName: '新审批局' };
    const next = moveUnitTasks(s, move, LATER);
    expect(next.tasks.filter((t) => t.status === 'transferred')).toHaveLength(2);
    expect(open(next).map((t) => t.assignee)).toEqual([
      { kind: 'group', organisationId: 'dept2', organisationName: '新审批局', role: 'seal_reviewer' },
      { kind: 'group', organisationId: 'dept2', organisationName: '新审批局', role: 'seal_reviewer' },
    ]);
    expect(next.history.at(-1)!.comment).toBe('审批局机构改革，任务改由新审批局同岗位人员办理');
    // Told again, nothing is left to move.
    expect(moveUnitTasks(next, move, LATER)).toBe(next);
  });
});
