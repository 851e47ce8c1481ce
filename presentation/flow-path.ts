/**
 * The path taken and the path ahead of a process (流程预测, issue 10, build item 2): from the flow's nodes, the path
 * of engine steps its variables give (domain/flow-branches.ts `flowPath`, the engine's own resolution: the state
 * carries it, or it is computed again from the snapshot and the variables) and where the process stands, the marks
 * the diagram colours and the lists the approval page reads. Pure.
 */
import type { ProcessStatus } from '../domain/approval';
import { flowPath, GatewayPass } from '../domain/flow-branches';
import type { EngineStep, FlowNode, ProcessVariables } from '../domain/flow-definition';
import { branchMarkKey, DiagramMarks, OTHERWISE_INDEX, PathMark } from './flow-diagram';

export interface ProcessPosition {
  status: ProcessStatus;
  /** The path index of the current step (running), or of the step where the process ended (rejected, withdrawn). */
  stepIndex: number | null;
  /** Branches of a running parallel node already decided, by branch key (tasks carry it). */
  decidedBranches?: Record<string, 'done' | 'rejected'>;
}

export interface FlowPath {
  path: EngineStep[];
  gateways: GatewayPass[];
}

/** The path a flow gives for a process's variables: the engine's resolution, for a process that has none stored. */
export function pathOf(nodes: FlowNode[], variables: ProcessVariables): FlowPath {
  const { steps, gateways } = flowPath(nodes, variables);
  return { path: steps, gateways };
}

/** The path as the engine resolved it: each gateway's recorded branch in place of the gateway. */
export function pathOfGateways(nodes: FlowNode[], gateways: GatewayPass[]): FlowPath {
  const path = nodes.flatMap((n): EngineStep[] => {
    if (n.type !== 'condition') return [n];
    const pass = gateways.find((g) => g.key === n.key);
    if (!pass) return [];
    return pass.branchIndex === null ? n.otherwise : (n.branches[pass.branchIndex]?.steps ?? []);
  });
  return { path, gateways };
}

export interface PathView {
  marks: DiagramMarks;
  /** Step names, in order: passed, the current one, those still ahead on this process's path. */
  taken: string[];
  current: string | null;
  ahead: string[];
  /** The branch each gateway takes: “按印章类型：法定名称章”. */
  branches: string[];
  /** Steps of branches this process does not take. */
  notTaken: string[];
}

function stepMark(i: number, pos: ProcessPosition): PathMark {
  const at = pos.stepIndex ?? -1;
  if (pos.status === 'approved') return 'done';
  if (i < at) return 'done';
  if (pos.status === 'running') return i === at ? 'current' : 'ahead';
  return i === at ? 'rejected' : 'skipped';
}

/** Every step key of a node: the node's own and, for a parallel node, its branches' boxes. */
function keysOf(step: EngineStep): string[] {
  return step.type === 'parallel'
    ? [step.key, ...step.branches.map((b) => `${step.key}/${b.key}`)]
    : [step.key];
}

/** What a branch as a whole shows: current if any step is, done if all are, else the first step's mark. */
function branchMark(marks: PathMark[], reached: boolean): PathMark {
  if (marks.length === 0) return reached ? 'done' : 'ahead';
  if (marks.includes('current')) return 'current';
  if (marks.includes('rejected')) return 'rejected';
  if (marks.every((m) => m === 'done')) return 'done';
  return marks[0]!;
}

export function pathView(nodes: FlowNode[], flow: FlowPath, pos: ProcessPosition): PathView {
  const nodeMarks: Record<string, PathMark> = {};
  const branchMarks: Record<string, PathMark> = {};
  flow.path.forEach((step, i) => {
    const mark = stepMark(i, pos);
    for (const key of keysOf(step)) nodeMarks[key] = mark;
    if (step.type === 'parallel') {
      for (const b of step.branches) {
        const decided = mark === 'current' ? pos.decidedBranches?.[b.key] : undefined;
        const m = decided ?? mark;
        nodeMarks[`${step.key}/${b.key}`] = m;
        branchMarks[`${step.key}/${b.key}`] = m;
      }
    }
  });
  const notTaken: string[] = [];
  const gatewayTexts: string[] = [];
  for (const node of nodes) {
    if (node.type !== 'condition') continue;
    const pass = flow.gateways.find((g) => g.key === node.key);
    const reached = pass !== undefined && reachedAt(pass, pos);
    nodeMarks[node.key] = reached ? 'done' : pos.status === 'running' ? 'ahead' : 'skipped';
    const branches = [
      ...node.branches.map((b, j) => ({ index: j, steps: b.steps })),
      { index: OTHERWISE_INDEX, steps: node.otherwise },
    ];
    for (const b of branches) {
      const taken = pass !== undefined && (pass.branchIndex ?? OTHERWISE_INDEX) === b.index;
      const key = branchMarkKey(node.key, b.index);
      if (taken) {
        branchMarks[key] = branchMark(
          b.steps.map((s) => nodeMarks[s.key] ?? 'ahead'),
          reached,
        );
        continue;
      }
      branchMarks[key] = 'skipped';
      for (const s of b.steps) {
        for (const k of keysOf(s)) nodeMarks[k] = 'skipped';
        notTaken.push(s.name);
      }
    }
    if (pass) gatewayTexts.push(`${node.name}：${pass.branchName}${reached ? '' : '（预计）'}`);
  }
  const names = (from: number, to: number) => flow.path.slice(from, to).map((s) => s.name);
  const at = pos.stepIndex ?? 0;
  return {
    marks: { nodes: nodeMarks, branches: branchMarks },
    taken: pos.status === 'approved' ? names(0, flow.path.length) : names(0, at),
    current: pos.status === 'running' ? (flow.path[at]?.name ?? null) : null,
    ahead: pos.status === 'running' ? names(at + 1, flow.path.length) : [],
    branches: gatewayTexts,
    notTaken,
  };
}

/** Whether the process has come to a gateway: it stands at or beyond the step the gateway leads to. */
function reachedAt(pass: GatewayPass, pos: ProcessPosition): boolean {
  if (pos.status === 'approved') return true;
  return (pos.stepIndex ?? -1) >= pass.atStep;
}
