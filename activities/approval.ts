/**
 * Side effects of the approval workflow: resolving a step's approver rules to people and departments, computing
 * working-day deadlines from the stored calendar (DESIGN §3), projecting the process state into the inbox tables,
 * and e-mailing task holders, CC'd users and supervisors. Every activity is idempotent: the projection upserts
 * from the full state, and each e-mail is keyed by its notice id and recipient.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApprovalCc, ApprovalEventRecord, ApprovalProcess, DeadlineBreach } from '../db/approval-entities';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { CalendarCache } from '../db/calendar';
import { Jurisdiction, Organisation, Task } from '../db/entities';
import { userRefs, usersWithRole } from '../db/users';
import type { Orm } from '../db/orm';
import {
  ApprovalState,
  ApprovalTask,
  Assignee,
  Deadline,
  EVENT_LABELS,
  Notice,
  PROCESS_STATUS_LABELS,
  UserRef,
} from '../domain/approval';
import type { ApproverRule, FlowStep, StepDue } from '../domain/flow-definition';
import { PROCESS_KIND_LABELS } from '../domain/flow-definition';
import { shanghaiDateTime } from '../domain/format';
import type { OrganisationFunction, UserRole } from '../domain/roles';
import { reviewChain } from '../domain/seal-application';
import type { Mailer } from '../mail/mailer';
import { sendMailOnce } from './mail';

export interface ApprovalActivities {
  resolveStepApprovers(req: {
    initiator: UserRef;
    jurisdictionId: string;
    step: FlowStep;
    choices: UserRef[];
  }): Promise<{ assignees: Assignee[]; skippable: boolean }>;
  computeDeadline(req: { from: string; due: StepDue }): Promise<Deadline>;
  resolveEscalation(req: {
    step: FlowStep;
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
  const calendars = new CalendarCache();

  return {
    async resolveStepApprovers({ initiator, jurisdictionId, step, choices }) {
      const em = fork();
      const found: Assignee[] = [];
      let unitMissing = false;
      for (const rule of step.approvers) {
        const r = await resolveRule(em, rule, { initiator, jurisdictionId, choices, mode: step.mode });
        if (r === 'no-unit') unitMissing = true;
        else found.push(...r);
      }
      const assignees = dedupe(found);
      // Only a missing level of the jurisdiction tree skips a step; anything else must name someone.
      return { assignees, skippable: assignees.length === 0 && unitMissing };
    },

    async computeDeadline({ from, due }) {
      const calendar = await calendars.get(fork());
      const result =
        'workingDays' in due
          ? calendar.addWorkingDays(new Date(from), due.workingDays)
          : calendar.addWorkingHours(new Date(from), due.workingHours);
      return { dueAt: result.dueAt.toISOString(), provisional: result.provisional };
    },

    async resolveEscalation({ step, tasks, jurisdictionId }) {
      const em = fork();
      if (step.supervisor) {
        const r = await resolveRule(em, step.supervisor, {
          initiator: null,
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
          outcomeReason: state.outcomeReason,
          startedAt: new Date(state.history[0]!.at),
          endedAt: state.endedAt ? new Date(state.endedAt) : null,
          updatedAt: new Date(),
        });
        for (const t of state.tasks) {
          const a = t.assignee;
          await tx.upsert(Task, {
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
          });
        }
        for (const e of state.history) {
          await tx
            .createQueryBuilder(ApprovalEventRecord)
            .insert({
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
            })
            .onConflict(['processKey', 'seq'])
            .ignore()
            .execute();
        }
        for (const c of state.cc) {
          await tx
            .createQueryBuilder(ApprovalCc)
            .insert({
              processKey: state.processKey,
              userId: c.user.userId,
              at: new Date(c.at),
              addedBy: c.by,
              stepIndex: c.stepIndex,
            })
            .onConflict(['processKey', 'userId'])
            .ignore()
            .execute();
        }
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
        await sendMailOnce(em, deps.mailer, {
          idempotencyKey: `${notice.id}:${r.userId}`,
          to: r.email,
          template: 'approval-notice',
          context: {
            recipientName: r.displayName,
            kindLabel,
            headline,
            title: state.title,
            initiatorName: state.initiator.displayName,
            initiatorOrganisation: state.initiator.organisationName,
            stepName: step.name,
            dueAt: task?.dueAt ? shanghaiDateTime(task.dueAt) : '',
            dueProvisional: !!task?.dueProvisional,
            comment: notice.comment ?? '',
            outcome: PROCESS_STATUS_LABELS[state.status],
            reason: state.outcomeReason ?? '',
            url: `${deps.publicUrl}${notice.type === 'task' || notice.type === 'urge' ? '/tasks' : `/approvals/${state.processKey}`}`,
          },
        });
      }
      if (notice.type === 'breach') {
        await recordAudit(em, {
          actor: SYSTEM_ACTOR,
          action: 'email.send',
          targetType: 'approval_process',
          targetId: state.processKey,
          outcome: 'success',
          eventKey: `email.send:${notice.id}`,
          details: { template: 'approval-notice', type: notice.type, to: recipients.map((r) => r.email) },
        });
      }
    },
  };
}

const HEADLINES: Record<Notice['type'], (s: ApprovalState) => string> = {
  task: () => '您有一项新的待办审批',
  urge: (s) => `${s.initiator.displayName}${EVENT_LABELS.urged}：请尽快处理待办审批`,
  cc: () => '抄送给您一项审批，请知悉',
  breach: () => '审批任务已超过办理时限',
  outcome: (s) => `您发起的审批${PROCESS_STATUS_LABELS[s.status]}`,
};

async function noticeRecipients(em: EntityManager, state: ApprovalState, notice: Notice): Promise<UserRef[]> {
  const tasks = state.tasks.filter((t) => notice.taskIds.includes(t.id));
  const holders = async () =>
    dedupeUsers((await Promise.all(tasks.map((t) => membersOf(em, t.assignee)))).flat());
  switch (notice.type) {
    case 'task':
    case 'urge':
      return holders();
    case 'cc':
    case 'outcome':
      return notice.users;
    case 'breach': {
      // The supervisors of the units that let the deadline lapse (LM-28), and the holders themselves.
      const step = state.flow.steps[state.stepIndex]!;
      const organisations = [...new Set(tasks.map((t) => t.assignee.organisationId))];
      const supervisors = step.supervisor
        ? await resolveRule(em, step.supervisor, {
            initiator: state.initiator,
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

// ---------------------------------------------------------------------------------------------------------------
// Approver rules

interface RuleContext {
  initiator: UserRef | null;
  jurisdictionId: string;
  choices: UserRef[];
  mode: FlowStep['mode'];
}

/** The assignees of one rule: a department (group) for a one-approver step, its members for countersign/any-one. */
async function resolveRule(
  em: EntityManager,
  rule: ApproverRule,
  ctx: RuleContext,
): Promise<Assignee[] | 'no-unit'> {
  const group = async (organisationId: string, role: UserRole): Promise<Assignee[]> => {
    const organisation = await em.findOne(Organisation, { id: organisationId });
    if (!organisation) {
      throw ApplicationFailure.nonRetryable(`flow names unknown organisation ${organisationId}`, 'BadFlow');
    }
    if (ctx.mode === 'single') {
      return [{ kind: 'group', organisationId, organisationName: organisation.name, role }];
    }
    return (await usersWithRole(em, [organisationId], role)).map((u) => ({ kind: 'user' as const, ...u }));
  };
  switch (rule.type) {
    case 'user': {
      const [u] = await userRefs(em, { id: rule.userId, active: true });
      return u ? [{ kind: 'user', ...u }] : [];
    }
    case 'role':
      return group(rule.organisationId ?? ctx.initiator!.organisationId, rule.role);
    case 'department_leader': {
      const leaders = await usersWithRole(em, [ctx.initiator!.organisationId], 'unit_leader');
      if (ctx.mode === 'single' && leaders.length !== 1)
        return group(ctx.initiator!.organisationId, 'unit_leader');
      return leaders.map((u) => ({ kind: 'user' as const, ...u }));
    }
    case 'management_unit': {
      const unit = await unitUpward(em, ctx.jurisdictionId, rule.function, rule.levelsUp);
      return unit ? group(unit.id, rule.role) : 'no-unit';
    }
    case 'initiator_choice':
      return ctx.choices.map((u) => ({ kind: 'user' as const, ...u }));
  }
}

/**
 * The levelsUp-th organisation with a function found walking up from a jurisdiction: jurisdictions without one are
 * passed over, as SM-5(3)'s "level by level" means the levels that exist. For seal management departments a
 * jurisdiction's configured `seal_review_chain` replaces the walk (domain reviewChain).
 */
async function unitUpward(
  em: EntityManager,
  jurisdictionId: string,
  fn: OrganisationFunction,
  levelsUp: number,
): Promise<{ id: string } | null> {
  const units = await em.find(Organisation, { functions: { $contains: [fn] } }, { orderBy: { id: 'asc' } });
  const jurisdictions = (await em.find(Jurisdiction, {})).map((j) => ({
    id: j.id,
    name: j.name,
    parentId: j.parentId,
    sealReviewChain: fn === 'seal_management_department' ? j.sealReviewChain : null,
  }));
  const chain = reviewChain(
    jurisdictionId,
    jurisdictions,
    units.map((u) => ({ id: u.id, name: u.name, jurisdictionId: u.jurisdictionId })),
  );
  const level = chain[levelsUp];
  return level ? { id: level.organisationId } : null;
}

async function membersOf(em: EntityManager, a: Assignee): Promise<UserRef[]> {
  if (a.kind === 'user') return [a];
  return usersWithRole(em, [a.organisationId], a.role);
}

function dedupe(list: Assignee[]): Assignee[] {
  const seen = new Set<string>();
  return list.filter((a) => {
    const key = a.kind === 'user' ? `u:${a.userId}` : `g:${a.organisationId}:${a.role}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function dedupeUsers(list: UserRef[]): UserRef[] {
  return list.filter((u, i) => list.findIndex((x) => x.userId === u.userId) === i);
}
