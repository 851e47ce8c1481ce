/**
 * The seal application process (SM-5 … SM-8) as plain JSON state and pure transitions. The workflow holds the
 * state and calls these functions; they never do I/O, so the rules are unit-tested without Temporal.
 *
 * SM-5(3): the applicant's own seal management department reviews first; on approval the application is forwarded
 * level by level to the upper departments; a rejection at any level ends it and the applicant is told why. The
 * review itself runs in the approval engine (domain/approval.ts) under the seal application flow definition; this
 * module holds what comes before and after it, and the walk up the jurisdiction tree that finds the levels.
 */
import type { ApprovalInput, ApprovalOutcome } from './approval';
import type { SealKind } from './seal';

export type ApplicationStatus = 'pending' | 'approved' | 'rejected' | 'failed' | 'withdrawn';
export type ProcessStage = 'review' | 'making_seal' | 'done';

export const APPLICATION_STATUS_LABELS: Record<ApplicationStatus, string> = {
  pending: '审批中',
  approved: '已通过',
  rejected: '已驳回',
  failed: '未能制章',
  withdrawn: '已撤回',
};

/** One level of the review chain: a seal management department. */
export interface ReviewLevel {
  organisationId: string;
  organisationName: string;
  jurisdictionName: string;
}

export interface SealApplicationInput {
  applicationId: string;
  organisationId: string;
  organisationName: string;
  applicant: { userId: string; displayName: string; email: string | null };
  kind: SealKind;
  sealName: string;
  /** The review, run by the approval engine as a child workflow under the organisation's flow definition. */
  approval: ApprovalInput;
}

/** The seal application's own state; the review's state is the approval workflow's. */
export interface SealApplicationState {
  applicationId: string;
  status: ApplicationStatus;
  stage: ProcessStage;
  approvalWorkflowId: string;
  sealId: string | null;
  outcomeReason: string | null;
}

/** The failure type that means "the seal may not be made" (SM-7), as opposed to a fault worth retrying. */
export const SEAL_ISSUANCE_REFUSED = 'SealIssuanceRefused';

export function sealApplicationWorkflowId(applicationId: string): string {
  return `seal-application-${applicationId}`;
}

export function startProcess(input: SealApplicationInput): SealApplicationState {
  return {
    applicationId: input.applicationId,
    status: 'pending',
    stage: 'review',
    approvalWorkflowId: input.approval.processKey,
    sealId: null,
    outcomeReason: null,
  };
}

/** The review's outcome: approved → the seal is made next; otherwise the application ends with the reason. */
export function reviewed(state: SealApplicationState, outcome: ApprovalOutcome): SealApplicationState {
  if (state.stage !== 'review') throw new Error(`not under review at stage ${state.stage}`);
  if (outcome.status === 'approved') return { ...state, stage: 'making_seal' };
  return { ...state, status: outcome.status, stage: 'done', outcomeReason: outcome.reason ?? '' };
}

function assertMakingSeal(state: SealApplicationState): void {
  if (state.stage !== 'making_seal') throw new Error(`no seal is being made at stage ${state.stage}`);
}

export function sealMade(state: SealApplicationState, sealId: string): SealApplicationState {
  assertMakingSeal(state);
  return { ...state, status: 'approved', stage: 'done', sealId };
}

export function sealFailed(state: SealApplicationState, reason: string): SealApplicationState {
  assertMakingSeal(state);
  return { ...state, status: 'failed', stage: 'done', outcomeReason: reason };
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
