/**
 * A flow definition's nodes as the diagram draws them (issue 10, build item 2): each step with its way of deciding,
 * each condition branch with its condition in words, each parallel branch with its way of deciding.
 */
import { FlowNode, ProcessKind, stepModeLabel } from '../domain/flow-definition';
import type { DiagramBranchNode, DiagramNode } from './flow-diagram';
import { conditionText } from './flow-editor';

type BranchNode = Exclude<FlowNode, { type: 'condition' }>;

function branchNode(n: BranchNode): DiagramBranchNode {
  if (n.type === 'parallel') {
    return {
      type: 'parallel',
      key: n.key,
      name: n.name,
      join: n.join,
      branches: n.branches.map((b) => ({ key: b.key, name: b.name, detail: stepModeLabel(b) })),
    };
  }
  return { key: n.key, name: n.name, detail: stepModeLabel(n) };
}

export function flowDiagramNodes(kind: ProcessKind, nodes: FlowNode[]): DiagramNode[] {
  return nodes.map((n) =>
    n.type === 'condition'
      ? {
          type: 'condition',
          key: n.key,
          name: n.name,
          branches: n.branches.map((b) => ({
            name: b.name,
            label: conditionText(kind, b.when),
            steps: b.steps.map(branchNode),
          })),
          otherwise: n.otherwise.map(branchNode),
        }
      : branchNode(n),
  );
}
