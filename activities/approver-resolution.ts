/**
 * Who a flow step's approver rules name: people or departments, resolved from the database when a step starts.
 * One definition, used by the approval workflow's activities and by the flow editor's dry run before a version is
 * published, so that what the preview shows is what a process will get.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Directory, directoryOf } from '../db/directory';
import { userRefs, usersWithRole } from '../db/users';
import type { Assignee, UserRef } from '../domain/approval';
import { approverGroups, ApproverRule, EngineStep, FlowStep, isParallel } from '../domain/flow-definition';
import { noApproverOutcome } from '../domain/no-approver';
import type { OrganisationFunction, UserRole } from '../domain/roles';
import { reviewChain } from '../domain/seal-application';

export interface StepResolution {
  assignees: Assignee[];
  /** True when nobody was found only because a level of the jurisdiction tree has no such unit. */
  skippable: boolean;
  /** Why the step went to someone its rules did not name (the initiator's own request), for the timeline. */
  note?: string | null;
  /** Why nobody may approve: the step's no-approver rule rejects (issue 10). */
  reason?: string | null;
  /** On a parallel node: each branch's resolution. */
  branches?: Array<{ key: string } & StepResolution>;
}

/**
 * An engine step's approvers (issue 10): an approval step's, or each branch's of a parallel node; where a group
 * finds nobody (and is not skipped), the step's no-approver rule decides (domain/no-approver.ts).
 */
export async function resolveEngineStep(
  em: EntityManager,
  req: {
    initiator: UserRef | null;
    organisationId: string;
    jurisdictionId: string;
    step: EngineStep;
    /** Per step or branch key: the users the initiator named. */
    choices: Record<string, UserRef[]>;
    approverAuthority: { roles: UserRole[]; reason: string } | null;
  },
): Promise<StepResolution> {
  const { step } = req;
  // The tree and the units from this process's copy, current as of now (db/directory.ts), once per step.
  const directory = await directoryOf(em);
  const groups: Array<{ key: string } & StepResolution> = [];
  for (const g of approverGroups(step)) {
    const asStep = { ...g, onBreach: step.onBreach } as FlowStep;
    const found = await resolveStepAssignees(em, {
      ...req,
      step: asStep,
      choices: req.choices[g.key] ?? [],
      directory,
    });
    if (found.assignees.length > 0 || found.skippable) {
      groups.push({ key: g.key, ...found });
      continue;
    }
    const admins =
      step.noApprover === 'assign_admin'
        ? await unitAdmins(em, directory, req)
        : { users: [], unitName: null };
    const decided = noApproverOutcome({
      rule: step.noApprover,
      stepName: isParallel(step) ? `${step.name}·${g.name}` : g.name,
      mode: g.mode,
      admins: admins.users,
      unitName: admins.unitName,
      authority: req.approverAuthority,
    });
    groups.push({ key: g.key, skippable: false, ...decided });
  }
  if (!isParallel(step)) {
    const { key: _key, ...only } = groups[0]!;
    return only;
  }
  return {
    assignees: groups.flatMap((g) => g.assignees),
    skippable: groups.every((g) => g.assignees.length === 0 && g.skippable),
    branches: groups,
  };
}

/**
 * The administrators (platform_admin) of the nearest management unit: the process's own jurisdiction's, then each
 * one above, until one has an administrator other than the initiator.
 */
async function unitAdmins(
  em: EntityManager,
  directory: Directory,
  req: { initiator: UserRef | null; jurisdictionId: string },
): Promise<{ users: UserRef[]; unitName: string | null }> {
  for (let id: string | null = req.jurisdictionId; id;) {
    const jurisdiction = directory.jurisdictions.get(id);
    if (!jurisdiction) break;
    const units = directory.unitsWith('management_unit').filter((u) => u.jurisdictionId === jurisdiction.id);
    for (const unit of units) {
      const users = (await usersWithRole(em, [unit.id], 'platform_admin')).filter(
        (u) => u.userId !== req.initiator?.userId,
      );
      if (users.length) return { users, unitName: unit.name };
    }
    id = jurisdiction.parentId;
  }
  return { users: [], unitName: null };
}

/**
 * The assignees of a step for a process started in `organisationId` (the initiator's organisation, or the sampled
 * organisation of a dry run, when `initiator` is null).
 */
export async function resolveStepAssignees(
  em: EntityManager,
  req: {
    initiator: UserRef | null;
    organisationId: string;
    jurisdictionId: string;
    step: FlowStep;
    choices: UserRef[];
    /** The directory to resolve against; read now when not given. */
    directory?: Directory;
  },
): Promise<StepResolution> {
  const directory = req.directory ?? (await directoryOf(em));
  const found: Assignee[] = [];
  let unitMissing = false;
  for (const rule of req.step.approvers) {
    const r = await resolveRule(em, rule, { ...req, mode: req.step.mode, directory });
    if (r === 'no-unit') unitMissing = true;
    else found.push(...r);
  }
  const named = dedupe(found);
  const assignees = req.initiator ? await withoutInitiator(em, named, req.initiator.userId) : named;
  if (req.initiator && named.length > 0 && assignees.length === 0) {
    // The rules named only the initiator: nobody approves their own request (issue 9), so the step goes to the
    // initiator's unit leader, or to the leaders of the management unit above.
    const fallback = await leaderAbove(em, directory, req.initiator, req.jurisdictionId, req.step.mode);
    return {
      assignees: fallback.assignees,
      skippable: false,
      note: fallback.assignees.length
        ? `发起人不能审批本人的申请，本步骤改由${fallback.label}审批`
        : '发起人不能审批本人的申请，且找不到其他有权审批的人员',
    };
  }
  // Only a missing level of the jurisdiction tree skips a step; anything else must name someone.
  return { assignees, skippable: assignees.length === 0 && unitMissing };
}

/** The assignees less the initiator: a person who is the initiator, a department whose only member is. */
async function withoutInitiator(
  em: EntityManager,
  list: Assignee[],
  initiatorId: string,
): Promise<Assignee[]> {
  const out: Assignee[] = [];
  for (const a of list) {
    if (a.kind === 'user') {
      if (a.userId !== initiatorId) out.push(a);
    } else if ((await usersWithRole(em, [a.organisationId], a.role)).some((u) => u.userId !== initiatorId)) {
      out.push(a);
    }
  }
  return out;
}

/**
 * Who approves in the initiator's place: the other leaders of their own unit, else the leaders of the nearest
 * management unit that oversees it (its own jurisdiction's, then each one above, until one has a leader).
 */
async function leaderAbove(
  em: EntityManager,
  directory: Directory,
  initiator: UserRef,
  jurisdictionId: string,
  mode: FlowStep['mode'],
): Promise<{ assignees: Assignee[]; label: string }> {
  const as = async (organisationId: string): Promise<Assignee[]> => {
    const leaders = (await usersWithRole(em, [organisationId], 'unit_leader')).filter(
      (u) => u.userId !== initiator.userId,
    );
    if (leaders.length === 0) return [];
    if (mode !== 'single' || leaders.length === 1)
      return leaders.map((u) => ({ kind: 'user' as const, ...u }));
    const name = directory.units.get(organisationId)?.name ?? '';
    return [{ kind: 'group', organisationId, organisationName: name, role: 'unit_leader' }];
  };
  const own = await as(initiator.organisationId);
  if (own.length) return { assignees: own, label: '本单位负责人' };
  // The management units of the initiator's own jurisdiction first, then of each jurisdiction above.
  for (let id: string | null = jurisdictionId; id;) {
    const jurisdiction = directory.jurisdictions.get(id);
    if (!jurisdiction) break;
    const units = directory
      .unitsWith('management_unit')
      .filter((u) => u.jurisdictionId === jurisdiction.id && u.id !== initiator.organisationId);
    for (const unit of units) {
      const found = await as(unit.id);
      if (found.length) return { assignees: found, label: `${unit.name}负责人` };
    }
    id = jurisdiction.parentId;
  }
  return { assignees: [], label: '' };
}

export interface RuleContext {
  initiator: UserRef | null;
  /** The organisation the process runs for (the initiator's); null where rules need none (a supervisor). */
  organisationId: string | null;
  jurisdictionId: string;
  choices: UserRef[];
  mode: FlowStep['mode'];
  /** The directory to resolve against; read now when not given. */
  directory?: Directory;
}

/** The assignees of one rule: a department (group) for a one-approver step, its members for countersign/any-one. */
export async function resolveRule(
  em: EntityManager,
  rule: ApproverRule,
  ctx: RuleContext,
): Promise<Assignee[] | 'no-unit'> {
  const directory = ctx.directory ?? (await directoryOf(em));
  const group = async (organisationId: string, role: UserRole): Promise<Assignee[]> => {
    const organisation = directory.units.get(organisationId);
    if (!organisation) {
      throw ApplicationFailure.nonRetryable(`flow names unknown organisation ${organisationId}`, 'BadFlow');
    }
    if (ctx.mode === 'single') {
      return [{ kind: 'group', organisationId, organisationName: organisation.name, role }];
    }
    return (await usersWithRole(em, [organisationId], role)).map((u) => ({ kind: 'user' as const, ...u }));
  };
  const own = (): string => {
    if (!ctx.organisationId) {
      throw ApplicationFailure.nonRetryable(`rule ${rule.type} needs the process's organisation`, 'BadFlow');
    }
    return ctx.organisationId;
  };
  switch (rule.type) {
    case 'user': {
      const [u] = await userRefs(em, { id: rule.userId, active: true });
      return u ? [{ kind: 'user', ...u }] : [];
    }
    case 'role':
      return group(rule.organisationId ?? own(), rule.role);
    case 'department_leader': {
      const leaders = await usersWithRole(em, [own()], 'unit_leader');
      if (ctx.mode === 'single' && leaders.length !== 1) return group(own(), 'unit_leader');
      return leaders.map((u) => ({ kind: 'user' as const, ...u }));
    }
    case 'management_unit': {
      const unit = unitUpward(directory, ctx.jurisdictionId, rule.function, rule.levelsUp);
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
function unitUpward(
  directory: Directory,
  jurisdictionId: string,
  fn: OrganisationFunction,
  levelsUp: number,
): { id: string } | null {
  const units = directory.unitsWith(fn);
  const jurisdictions = [...directory.jurisdictions.values()].map((j) => ({
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

export async function membersOf(em: EntityManager, a: Assignee): Promise<UserRef[]> {
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

export function dedupeUsers(list: UserRef[]): UserRef[] {
  return list.filter((u, i) => list.findIndex((x) => x.userId === u.userId) === i);
}
