/**
 * Side effects of the approval workflow: resolving a step's approver rules to people and departments, computing
 * working-day deadlines from the stored calendar (DESIGN §3), projecting the process state into the inbox tables,
 * and e-mailing task holders, CC'd users and supervisors. Every activity is idempotent: the projection upserts
 * from the full state, and each e-mail is keyed by its notice id and recipient.
 */
import { allocateCaseNumber } from '../db/case-numbers';
import type { EntityManager, EntityName, RequiredEntityData } from '@mikro-orm/postgresql';
import {
  ApprovalCc,
  ApprovalEventRecord,
  ApprovalProcess,
  DeadlineBreach,
  InAppNotice,
} from '../db/approval-entities';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { calendarCacheOf } from '../db/calendar';
import { Jurisdiction, Organisation, Task } from '../db/entities';
import { usersWithRole } from '../db/users';
import type { Orm } from '../db/orm';
import { ApprovalState, ApprovalTask, Assignee, Deadline, Notice, UserRef } from '../domain/approval';
import { EVENT_LABELS, PROCESS_STATUS_LABELS } from '../presentation/approval-labels';
import { deadlineText, timeLeftText } from '../presentation/deadline-text';
import type { EngineStep, StepDue } from '../domain/flow-definition';
import { PROCESS_KIND_LABELS } from '../domain/flow-definition';
import { deadlineFor, timeLeftMs } from '../domain/calendar';
import { ClockTiming, StepClock, timeClock } from '../domain/approval-clock';
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

export interface ApprovalActivities {
  resolveStepApprovers(req: {
    initiator: UserRef;
    jurisdictionId: string;
    step: EngineStep;
    /** The initiator's choices for this step (an approval step). */
    choices: UserRef[];
    /** The initiator's choices by step or branch key (a parallel node's branches); issue 10. */
    allChoices?: Record<string, UserRef[]>;
    approverAuthority?: ApprovalState['approverAuthority'];
  }): Promise<StepResolution>;
  computeDeadline(req: { from: string; due: StepDue }): Promise<Deadline>;
  /** The clock's deadline and reminder plan from the stored calendar (issue 10: resumed, retimed, started). */
  timeStepClock(req: {
    clock: StepClock;
    reminders: StepReminders | null;
    now: string;
  }): Promise<ClockTiming>;
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

  return {
    async resolveStepApprovers({ initiator, jurisdictionId, step, choices, allChoices, approverAuthority }) {
      return resolveEngineStep(fork(), {
        initiator,
        organisationId: initiator.organisationId,
        jurisdictionId,
        step,
        choices: { ...allChoices, [step.key]: choices },
        approverAuthority: approverAuthority ?? null,
      });
    },

    async computeDeadline({ from, due }) {
      return deadlineFor(await calendars.get(fork()), from, due);
    },

    async timeStepClock({ clock, reminders, now }) {
      return timeClock(await calendars.get(fork()), clock, reminders, now);
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
      await fork().transactional(async (tx) => {
        const running = state.status === 'running';
        const step = state.flow.steps[state.stepIndex]!;
        await tx.upsert(ApprovalProcess, {
          id: state.processKey,
          kind: state.kind,
          processId: state.processId,
          title: state.title,
          detailPath: state.detailPath,
          initiatorId: state.initiator.userId,
          organisationId: state.initiator.organisationId,
          jurisdictionId: state.jurisdictionId,
          definitionId: state.flow.definitionId,
          definitionVersion: state.flow.version,
          status: state.status,
          currentStepIndex: running ? state.stepIndex : null,
          currentStepName: running ? step.name : null,
          stepDueAt: running && state.stepDue ? new Date(state.stepDue.dueAt) : null,
          stepDueProvisional: running && !!state.stepDue?.provisional,
          suspensionKind: running ? (state.suspension?.kind ?? null) : null,
          suspendedAt: running && state.suspension ? new Date(state.suspension.at) : null,
          outcomeReason: state.outcomeReason,
          startedAt: new Date(state.history[0]!.at),
          endedAt: state.endedAt ? new Date(state.endedAt) : null,
          updatedAt: new Date(),
          variables: state.variables ?? null,
        });
        await allocateCaseNumber(tx, state.processKey, state.kind, new Date(state.history[0]!.at));
        // One statement per table, whatever the number of tasks, events and CC'd users (issue 19: the projection
        // is on the path of every approval step's answer).
        if (state.tasks.length)
          await tx.upsertMany(
            Task,
            state.tasks.map((t) => taskRow(state, t)),
          );
        await insertIgnoring(
          tx,
          ApprovalEventRecord,
          ['processKey', 'seq'],
          state.history.map((e) => ({
            processKey: state.processKey,
            seq: e.seq,
            at: new Date(e.at),
            action: e.action,
            stepIndex: e.stepIndex,
            stepName: e.stepName,
            taskId: e.taskId,
            actor: e.actor,
            targets: e.targets,
            comment: e.comment,
            attachments: e.attachments,
            due: e.due,
            signatureId: e.signatureId ?? null,
          })),
        );
        await insertIgnoring(
          tx,
          ApprovalCc,
          ['processKey', 'userId'],
          state.cc.map((c) => ({
            processKey: state.processKey,
            userId: c.user.userId,
            at: new Date(c.at),
            addedBy: c.by,
            stepIndex: c.stepIndex,
          })),
        );
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

/** A task as its inbox row. */
function taskRow(state: ApprovalState, t: ApprovalTask) {
  const a = t.assignee;
  return {
    id: t.id,
    processKind: state.kind,
    processId: state.processId,
    workflowId: state.processKey,
    title: state.title,
    stepName: state.flow.steps[t.stepIndex]!.name,
    stepIndex: t.stepIndex,
    round: t.round,
    origin: t.origin,
    isPrimary: t.primary,
    parentTaskId: t.parentId,
    assigneeUserId: a.kind === 'user' ? a.userId : null,
    assigneeName: a.kind === 'user' ? a.displayName : null,
    assigneeOrganisationId: a.organisationId,
    assigneeRole: a.kind === 'group' ? a.role : null,
    status: t.status,
    outcome: t.status === 'approved' || t.status === 'rejected' ? t.status : null,
    actedById: t.actedBy && t.actedBy.userId !== 'system' ? t.actedBy.userId : null,
    actedByName: t.actedBy?.displayName ?? null,
    actedAt: t.actedAt ? new Date(t.actedAt) : null,
    comment: t.comment,
    dueAt: t.dueAt ? new Date(t.dueAt) : null,
    dueProvisional: t.dueProvisional,
    lastUrgedAt: t.lastUrgedAt ? new Date(t.lastUrgedAt) : null,
    openedAt: new Date(t.openedAt),
    createdAt: new Date(t.openedAt),
    branchKey: t.branchKey ?? null,
  };
}

/** Inserts the rows in one statement, leaving any that already exist (by the key named) as they are. */
async function insertIgnoring<T extends object>(
  tx: EntityManager,
  entity: EntityName<T>,
  key: string[],
  rows: Array<RequiredEntityData<T>>,
): Promise<void> {
  if (!rows.length) return;
  await tx.createQueryBuilder(entity).insert(rows).onConflict(key).ignore().execute();
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
