/**
 * Side effects of the approval workflow: resolving a step's approver rules to people and departments, computing
 * working-day deadlines from the stored calendar (DESIGN §3), projecting the process state into the inbox tables,
 * and e-mailing task holders, CC'd users and supervisors. Every activity is idempotent: the projection upserts
 * from the full state, and each e-mail is keyed by its notice id and recipient.
 */
import { allocateCaseNumber } from '../db/case-numbers';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DeadlineBreach, InAppNotice } from '../db/approval-entities';
import { projectionSql } from '../db/approval-rows';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { calendarCacheOf } from '../db/calendar';
import { Jurisdiction, Organisation } from '../db/entities';
import { usersWithRole } from '../db/users';
import type { Orm } from '../db/orm';
import { ApprovalState, ApprovalTask, Assignee, Deadline, Notice, UserRef } from '../domain/approval';
import { EVENT_LABELS, PROCESS_STATUS_LABELS } from '../presentation/approval-labels';
import { deadlineText, timeLeftText } from '../presentation/deadline-text';
import type { EngineStep, StepDue } from '../domain/flow-definition';
import { PROCESS_KIND_LABELS } from '../domain/flow-definition';
import { deadlineFor, timeLeftMs } from '../domain/calendar';
import { ClockTiming, StepClock, timeClock } from '../domain/approval-clock';
import { openedStep, StepStartReads } from '../domain/approval-clock-steps';
import { projectionFingerprint } from '../domain/approval-fingerprint';
import type { StepReminders } from '../domain/flow-definition';
import type { UserRole } from '../domain/roles';
import type { Mailer } from '../mail/mailer';
import {
  dedupeUsers,
  membersOf,
  resolveEngineStep,
  resolveRule,
  StepResolution,
} from './approver-resolution';
import { sendMailOnce } from './mail';

/** Whom a step's approver rules name, asked for a process's step. */
export interface ApproversRequest {
  initiator: UserRef;
  jurisdictionId: string;
  step: EngineStep;
  /** The initiator's choices for this step (an approval step). */
  choices: UserRef[];
  /** The initiator's choices by step or branch key (a parallel node's branches); issue 10. */
  allChoices?: Record<string, UserRef[]>;
  approverAuthority?: ApprovalState['approverAuthority'];
}

/** The clock's deadline and reminder plan asked for the clock as it runs `now`. */
export interface ClockTimingRequest {
  clock: StepClock;
  reminders: StepReminders | null;
  now: string;
}

export interface ApprovalActivities {
  resolveStepApprovers(req: ApproversRequest): Promise<StepResolution>;
  computeDeadline(req: { from: string; due: StepDue }): Promise<Deadline>;
  /** The clock's deadline and reminder plan from the stored calendar (issue 10: resumed, retimed, started). */
  timeStepClock(req: ClockTimingRequest): Promise<ClockTiming>;
  /**
   * Issue 19: the starting step opened in one local activity: its three reads (the approvers and the calendar side
   * by side, the calendar's version read once for the deadline and the clock), the step opened from them as the
   * workflow will open it (domain openedStep), and that state projected. Returns the reads, from which the workflow
   * opens the step itself, and the projected state's fingerprint, by which it knows the rows show its state.
   */
  openStepAndProject(req: {
    /** The process with its step starting. */
    state: ApprovalState;
    approvers: ApproversRequest;
    /** When the step starts (the deadline counts from then), with its time limit and clock; none without a limit. */
    from: string;
    due: StepDue | null;
    clock: ClockTimingRequest | null;
  }): Promise<StepStartReads & { projected: string }>;
  resolveEscalation(req: {
    step: EngineStep;
    tasks: ApprovalTask[];
    jurisdictionId: string;
  }): Promise<Assignee | null>;
  projectApproval(req: { state: ApprovalState }): Promise<void>;
  sendApprovalNotice(req: { state: ApprovalState; notice: Notice }): Promise<void>;
}

export interface ApprovalDeps {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}

export function createApprovalActivities(deps: ApprovalDeps): ApprovalActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  const calendars = calendarCacheOf(deps.orm);

  const approversOf = ({
    initiator,
    jurisdictionId,
    step,
    choices,
    allChoices,
    approverAuthority,
  }: ApproversRequest) =>
    resolveEngineStep(fork(), {
      initiator,
      organisationId: initiator.organisationId,
      jurisdictionId,
      step,
      choices: { ...allChoices, [step.key]: choices },
      approverAuthority: approverAuthority ?? null,
    });

  const project = (state: ApprovalState) => projectState(fork(), state);

  return {
    resolveStepApprovers: approversOf,

    async computeDeadline({ from, due }) {
      return deadlineFor(await calendars.get(fork()), from, due);
    },

    async timeStepClock({ clock, reminders, now }) {
      return timeClock(await calendars.get(fork()), clock, reminders, now);
    },

    async openStepAndProject({ state, approvers, from, due, clock }) {
      const [resolved, calendar] = await Promise.all([
        approversOf(approvers),
        due || clock ? calendars.get(fork()) : null,
      ]);
      const reads = {
        resolved,
        due: calendar && due ? deadlineFor(calendar, from, due) : null,
        timing: calendar && clock ? timeClock(calendar, clock.clock, clock.reminders, clock.now) : null,
      };
      const projected = { ...openedStep(state, reads, from), outbox: [] };
      await project(projected);
      return { ...reads, projected: projectionFingerprint(projected) };
    },

    async resolveEscalation({ step, tasks, jurisdictionId }) {
      const em = fork();
      if (step.supervisor) {
        const r = await resolveRule(em, step.supervisor, {
          initiator: null,
          organisationId: null,
          jurisdictionId,
          choices: [],
          mode: 'single',
        });
        return r === 'no-unit' ? null : (r[0] ?? null);
      }
      // By default the task goes to the management unit one level above the unit that let it lapse; a
      // department's role carries over (a seal review stays with seal reviewers), a person's goes to supervisors.
      const first = tasks.find((t) => t.primary);
      if (!first) return null;
      const organisation = await em.findOne(Organisation, { id: first.assignee.organisationId });
      const jurisdiction = organisation
        ? await em.findOne(Jurisdiction, { id: organisation.jurisdictionId })
        : null;
      if (!jurisdiction?.parentId) return null;
      const role: UserRole = first.assignee.kind === 'group' ? first.assignee.role : 'supervisor';
      const above = await em.findOne(
        Organisation,
        {
          jurisdictionId: jurisdiction.parentId,
          functions: { $contains: ['management_unit'] },
        },
        { orderBy: { id: 'asc' } },
      );
      if (!above) return null;
      return { kind: 'group', organisationId: above.id, organisationName: above.name, role };
    },

    async projectApproval({ state }) {
      await project(state);
    },

    async sendApprovalNotice({ state, notice }) {
      const em = fork();
      const recipients = await noticeRecipients(em, state, notice);
      const step = state.flow.steps[state.stepIndex]!;
      const kindLabel = PROCESS_KIND_LABELS[state.kind];
      const headline = HEADLINES[notice.type](state);
      for (const r of recipients) {
        if (!r.email) continue;
        const task = state.tasks.find((t) => notice.taskIds.includes(t.id));
        const timeLeft =
          notice.type === 'remind' && notice.at
            ? timeLeftText(timeLeftMs(task?.dueAt ?? null, new Date(notice.at)))
            : '';
        await sendMailOnce(em, deps.mailer, {
          idempotencyKey: `${notice.id}:${r.userId}`,
          to: r.email,
          template: 'approval-notice',
          about: { type: 'approval_process', id: state.processKey },
          details: { type: notice.type },
          context: {
            recipientName: r.displayName,
            kindLabel,
            headline,
            title: state.title,
            initiatorName: state.initiator.displayName,
            initiatorOrganisation: state.initiator.organisationName,
            stepName: step.name,
            dueAt: deadlineText(task?.dueAt ?? null),
            dueProvisional: !!task?.dueProvisional,
            timeLeft,
            comment: notice.comment ?? '',
            outcome: PROCESS_STATUS_LABELS[state.status],
            reason: state.outcomeReason ?? '',
            url: `${deps.publicUrl}${noticePath(state)}`,
          },
        });
      }
      if (IN_APP_NOTICES.includes(notice.type)) {
        await recordInAppNotices(em, state, notice, recipients, headline);
      }
    },
  };
}

/** Writes the process's rows as `state` has them (an exact copy), its case number once and its breaches. */
async function projectState(em: EntityManager, state: ApprovalState): Promise<void> {
  // One statement for the process, its tasks, timeline and CC'd users, in plain SQL (no entities hydrated, no
  // flush: issue 19, the projection is on the path of every approval step's answer). The rows are
  // db/approval-rows.ts's, the mapping the API reads them back with.
  const { sql, params } = projectionSql(state);
  const [row] = await em.execute<Array<{ case_number: string | null }>>(sql, params);
  if (row && row.case_number === null) {
    await em.transactional((tx) =>
      allocateCaseNumber(tx, state.processKey, state.kind, new Date(state.history[0]!.at)),
    );
  }
  if (!state.breaches.length) return;
  await em.transactional(async (tx) => {
    for (const b of state.breaches) {
      const id = `${state.processKey}:s${b.stepIndex + 1}:r${b.round}`;
      const tasks = state.tasks.filter((t) => b.taskIds.includes(t.id));
      const inserted = await tx
        .createQueryBuilder(DeadlineBreach)
        .insert({
          id,
          processKey: state.processKey,
          kind: state.kind,
          organisationId: state.initiator.organisationId,
          jurisdictionId: state.jurisdictionId,
          stepIndex: b.stepIndex,
          stepName: state.flow.steps[b.stepIndex]!.name,
          dueAt: new Date(b.dueAt),
          breachedAt: new Date(b.at),
          action: b.action,
          taskIds: b.taskIds,
          assigneeOrganisationIds: [...new Set(tasks.map((t) => t.assignee.organisationId))],
        })
        .onConflict('id')
        .ignore()
        .execute('run');
      if (inserted.affectedRows > 0) {
        await recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: 'approval.deadline_breach',
          targetType: 'approval_process',
          targetId: state.processKey,
          outcome: 'success',
          eventKey: `approval.deadline_breach:${id}`,
          details: { step: b.stepIndex + 1, dueAt: b.dueAt, action: b.action, taskIds: b.taskIds },
        });
      }
    }
  });
}

const HEADLINES: Record<Notice['type'], (s: ApprovalState) => string> = {
  task: () => '您有一项新的待办审批',
  urge: (s) => `${s.initiator.displayName}${EVENT_LABELS.urged}：请尽快处理待办审批`,
  cc: () => '抄送给您一项审批，请知悉',
  breach: () => '审批任务已超过办理时限',
  outcome: (s) => `您发起的审批${PROCESS_STATUS_LABELS[s.status]}`,
  remind: () => '审批任务办理时限提醒',
  suspended: () => '您的申请已中止计时，请按要求补正或等待',
  resumed: () => '审批已恢复计时，请继续办理',
};

/** Notices that also appear in the platform (站内提醒), not only by e-mail (issue 10). */
const IN_APP_NOTICES: ReadonlyArray<Notice['type']> = ['remind', 'suspended', 'resumed'];

/** Every notice links to the item itself, its approval page (the holder's task is acted on there). */
function noticePath(state: ApprovalState): string {
  return `/approvals/${state.processKey}`;
}

/** One in-app notice per recipient, keyed like the e-mail (a retried activity writes it once); the time left. */
async function recordInAppNotices(
  em: EntityManager,
  state: ApprovalState,
  notice: Notice,
  recipients: UserRef[],
  headline: string,
): Promise<void> {
  const task = state.tasks.find((t) => notice.taskIds.includes(t.id));
  const at = notice.at ?? state.history[state.history.length - 1]!.at;
  const left = notice.type === 'remind' ? timeLeftText(timeLeftMs(task?.dueAt ?? null, new Date(at))) : '';
  const due = task?.dueAt
    ? `办理时限 ${deadlineText(task.dueAt)}${task.dueProvisional ? '（暂定）' : ''}`
    : '';
  const body = [notice.comment, due, left].filter(Boolean).join('；');
  for (const r of recipients) {
    await em
      .createQueryBuilder(InAppNotice)
      .insert({
        id: `${notice.id}:${r.userId}`,
        userId: r.userId,
        processKey: state.processKey,
        kind: notice.type,
        title: `${headline}：${state.title}`,
        body,
        url: noticePath(state),
        createdAt: new Date(at),
      })
      .onConflict('id')
      .ignore()
      .execute();
  }
}

async function noticeRecipients(em: EntityManager, state: ApprovalState, notice: Notice): Promise<UserRef[]> {
  const tasks = state.tasks.filter((t) => notice.taskIds.includes(t.id));
  const holders = async () =>
    dedupeUsers((await Promise.all(tasks.map((t) => membersOf(em, t.assignee)))).flat());
  switch (notice.type) {
    case 'task':
    case 'urge':
    case 'remind':
    case 'resumed':
      return holders();
    case 'cc':
    case 'outcome':
    case 'suspended':
      return notice.users;
    case 'breach': {
      // The supervisors of the units that let the deadline lapse (LM-28), and the holders themselves.
      const step = state.flow.steps[state.stepIndex]!;
      const organisations = [...new Set(tasks.map((t) => t.assignee.organisationId))];
      const supervisors = step.supervisor
        ? await resolveRule(em, step.supervisor, {
            initiator: state.initiator,
            organisationId: state.initiator.organisationId,
            jurisdictionId: state.jurisdictionId,
            choices: [],
            mode: 'all',
          })
        : [];
      const supervisorUsers =
        supervisors === 'no-unit' || supervisors.length === 0
          ? await usersWithRole(em, organisations, 'supervisor')
          : (await Promise.all(supervisors.map((a) => membersOf(em, a)))).flat();
      return dedupeUsers([...supervisorUsers, ...(await holders())]);
    }
  }
}
