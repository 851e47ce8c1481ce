/**
 * Conditional branches (issue 10 build item 1): which branch of a gateway a process takes for its variables, and
 * the path of engine steps a flow gives for them. Variables are fixed at submission (ApprovalInput.variables), so
 * the whole path is known when the process starts: the engine runs it one step at a time (state.stepIndex over the
 * flattened path) and records `branch_taken` when it reaches each gateway; the approval page shows the path ahead.
 * Pure: no I/O, no clock.
 */
import {
  BranchStep,
  Condition,
  ConditionNode,
  EngineStep,
  FlowNode,
  isCondition,
  ProcessVariables,
} from './flow-definition';

/** A gateway the path passes: which branch it takes, and the index of the first step after it in the path. */
export interface GatewayPass {
  key: string;
  name: string;
  /** The branch taken: its index, or null for the default branch (otherwise). */
  branchIndex: number | null;
  branchName: string;
  /** The path index of the step the gateway leads to (the path's length when nothing follows). */
  atStep: number;
}

export const OTHERWISE_LABEL = '默认分支';

/** Whether a condition holds; a variable the process does not have never matches. */
export function conditionHolds(c: Condition, variables: ProcessVariables): boolean {
  const v = variables[c.variable];
  if (v === undefined) return false;
  const value = c.value;
  switch (c.op) {
    case 'eq':
      return v === value;
    case 'ne':
      return v !== value;
    case 'in':
      return Array.isArray(value) && value.includes(v);
    case 'gt':
      return typeof v === 'number' && typeof value === 'number' && v > value;
    case 'gte':
      return typeof v === 'number' && typeof value === 'number' && v >= value;
    case 'lt':
      return typeof v === 'number' && typeof value === 'number' && v < value;
    case 'lte':
      return typeof v === 'number' && typeof value === 'number' && v <= value;
  }
}

/** The branch a gateway takes: the first whose condition holds, else the default branch. */
export function chooseBranch(
  node: ConditionNode,
  variables: ProcessVariables,
): { branchIndex: number | null; branchName: string; steps: BranchStep[] } {
  const i = node.branches.findIndex((b) => conditionHolds(b.when, variables));
  if (i < 0) return { branchIndex: null, branchName: OTHERWISE_LABEL, steps: node.otherwise };
  const b = node.branches[i]!;
  return { branchIndex: i, branchName: b.name, steps: b.steps };
}

/** The engine steps a flow gives for a process's variables, and the gateways passed on the way. */
export function flowPath(
  nodes: FlowNode[],
  variables: ProcessVariables,
): { steps: EngineStep[]; gateways: GatewayPass[] } {
  const steps: EngineStep[] = [];
  const gateways: GatewayPass[] = [];
  for (const node of nodes) {
    if (!isCondition(node)) {
      steps.push(node);
      continue;
    }
    const taken = chooseBranch(node, variables);
    gateways.push({
      key: node.key,
      name: node.name,
      branchIndex: taken.branchIndex,
      branchName: taken.branchName,
      atStep: steps.length,
    });
    steps.push(...taken.steps);
  }
  return { steps, gateways };
}
