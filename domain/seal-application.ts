/**
 * The seal application process (SM-5 … SM-8) as plain JSON state and pure transitions. The workflow holds the
 * state and calls these functions; they never do I/O, so the rules are unit-tested without Temporal.
 *
 * SM-5(3): the applicant's own seal management department reviews first; on approval the application is forwarded
 * level by level to the upper departments; a rejection at any level ends it and the applicant is told why.
 */
import type { SealKind } from './seal';

export type ApplicationStatus = 'pending' | 'approved' | 'rejected' | 'failed';
export type ProcessStage = 'review' | 'making_seal' | 'done';

export const APPLICATION_STATUS_LABELS: Record<ApplicationStatus, string> = {
  pending: '审批中',
  approved: '已通过',
  rejected: '已驳回',
  failed: '未能制章',
};

/** One level of the review chain: a seal management department. */
export interface ReviewLevel {
  organisationId: string;
  organisationName: string;
  jurisdictionName: string;
}

export type HistoryAction = 'submitted' | 'approved' | 'rejected' | 'seal_made' | 'failed';

export interface HistoryEntry {
  at: string;
  action: HistoryAction;
  level?: number;
  actor?: { userId: string; displayName: string; organisationName: string };
  comment?: string;
}

export interface SealApplicationInput {
  applicationId: string;
  organisationId: string;
  organisationName: string;
  applicant: { userId: string; displayName: string; email: string | null };
  kind: SealKind;
  sealName: string;
  chain: ReviewLevel[];
}

export interface SealApplicationState {
  applicationId: string;
  status: ApplicationStatus;
  stage: ProcessStage;
  /** Index into `chain` of the level now reviewing; null once review is over. */
  currentLevel: number | null;
  currentTaskId: string | null;
  chain: ReviewLevel[];
  history: HistoryEntry[];
  sealId: string | null;
  outcomeReason: string | null;
}

export interface Decision {
  taskId: string;
  userId: string;
  displayName: string;
  organisationId: string;
  organisationName: string;
  comment?: string;
}

export const REVIEWER_ROLE = 'seal_reviewer';

/** The failure type that means "the seal may not be made" (SM-7), as opposed to a fault worth retrying. */
export const SEAL_ISSUANCE_REFUSED = 'SealIssuanceRefused';

/** The failure type of a decision on a task that is not (or no longer) pending. */
export const TASK_NOT_PENDING = 'TaskNotPending';

/** Task ids come from the business key, so that a retried activity writes the same task. */
export function reviewTaskId(applicationId: string, level: number): string {
  return `seal-application-${applicationId}-L${level + 1}`;
}

export function sealApplicationWorkflowId(applicationId: string): string {
  return `seal-application-${applicationId}`;
}

export function startProcess(input: SealApplicationInput, at: string): SealApplicationState {
  if (input.chain.length === 0) throw new Error('a seal application needs at least one review level');
  return {
    applicationId: input.applicationId,
    status: 'pending',
    stage: 'review',
    currentLevel: 0,
    currentTaskId: reviewTaskId(input.applicationId, 0),
    chain: input.chain,
    history: [{ at, action: 'submitted', actor: actorOf(input) }],
    sealId: null,
    outcomeReason: null,
  };
}

function actorOf(input: SealApplicationInput): HistoryEntry['actor'] {
  return {
    userId: input.applicant.userId,
    displayName: input.applicant.displayName,
    organisationName: input.organisationName,
  };
}

/** Why a decision cannot be taken now, or undefined when it can. */
export function decisionProblem(state: SealApplicationState, decision: Decision): string | undefined {
  if (state.stage !== 'review' || state.currentLevel === null) return 'application is no longer under review';
  if (decision.taskId !== state.currentTaskId) return `task ${decision.taskId} is not pending`;
  if (decision.organisationId !== state.chain[state.currentLevel]!.organisationId) {
    return 'the decision must come from the department reviewing the current level';
  }
  return undefined;
}

export function approve(state: SealApplicationState, decision: Decision, at: string): SealApplicationState {
  const problem = decisionProblem(state, decision);
  if (problem) throw new Error(problem);
  const level = state.currentLevel!;
  const history = [...state.history, entry('approved', level, decision, at)];
  const next = level + 1;
  if (next < state.chain.length) {
    return {
      ...state,
      currentLevel: next,
      currentTaskId: reviewTaskId(state.applicationId, next),
      history,
    };
  }
  return { ...state, stage: 'making_seal', currentLevel: null, currentTaskId: null, history };
}

export function reject(
  state: SealApplicationState,
  decision: Decision & { reason: string },
  at: string,
): SealApplicationState {
  const problem = decisionProblem(state, decision);
  if (problem) throw new Error(problem);
  return {
    ...state,
    status: 'rejected',
    stage: 'done',
    currentLevel: null,
    currentTaskId: null,
    outcomeReason: decision.reason,
    history: [
      ...state.history,
      entry('rejected', state.currentLevel!, { ...decision, comment: decision.reason }, at),
    ],
  };
}

function assertMakingSeal(state: SealApplicationState): void {
  if (state.stage !== 'making_seal') throw new Error(`no seal is being made at stage ${state.stage}`);
}

export function sealMade(state: SealApplicationState, sealId: string, at: string): SealApplicationState {
  assertMakingSeal(state);
  return {
    ...state,
    status: 'approved',
    stage: 'done',
    sealId,
    history: [...state.history, { at, action: 'seal_made' }],
  };
}

export function sealFailed(state: SealApplicationState, reason: string, at: string): SealApplicationState {
  assertMakingSeal(state);
  return {
    ...state,
    status: 'failed',
    stage: 'done',
    outcomeReason: reason,
    history: [...state.history, { at, action: 'failed', comment: reason }],
  };
}

function entry(action: HistoryAction, level: number, d: Decision, at: string): HistoryEntry {
  return {
    at,
    action,
    level,
    actor: { userId: d.userId, displayName: d.displayName, organisationName: d.organisationName },
    // Plain JSON: no `undefined` members, so the state survives serialisation unchanged.
    ...(d.comment ? { comment: d.comment } : {}),
  };
}

/**
 * The review chain for an applicant's jurisdiction: a configured chain where the jurisdiction has one, otherwise
 * the seal management department of each jurisdiction from the applicant's up to the root (county → city →
 * province).
 */
export interface JurisdictionNode {
  id: string;
  name: string;
  parentId: string | null;
  /** Organisation ids that review in this order, overriding the walk up the tree. */
  sealReviewChain: string[] | null;
}

export interface DepartmentNode {
  id: string;
  name: string;
  jurisdictionId: string;
}

export function reviewChain(
  startJurisdictionId: string,
  jurisdictions: JurisdictionNode[],
  sealDepartments: DepartmentNode[],
): ReviewLevel[] {
  const byId = new Map(jurisdictions.map((j) => [j.id, j]));
  const start = byId.get(startJurisdictionId);
  if (!start) throw new Error(`unknown jurisdiction ${startJurisdictionId}`);
  const level = (d: DepartmentNode): ReviewLevel => ({
    organisationId: d.id,
    organisationName: d.name,
    jurisdictionName: byId.get(d.jurisdictionId)?.name ?? '',
  });
  if (start.sealReviewChain && start.sealReviewChain.length > 0) {
    return start.sealReviewChain.map((orgId) => {
      const d = sealDepartments.find((x) => x.id === orgId);
      if (!d)
        throw new Error(`configured review chain names ${orgId}, which is not a seal management department`);
      return level(d);
    });
  }
  const chain: ReviewLevel[] = [];
  const seen = new Set<string>();
  for (let j: JurisdictionNode | undefined = start; j; j = j.parentId ? byId.get(j.parentId) : undefined) {
    if (seen.has(j.id)) throw new Error(`jurisdiction tree has a cycle at ${j.id}`);
    seen.add(j.id);
    const d = sealDepartments.find((x) => x.jurisdictionId === j!.id);
    if (d) chain.push(level(d));
  }
  return chain;
}
