/**
 * A flow definition drawn as an SVG diagram, server-side (issue 10, build item 2: the flow editor draws the flow
 * beside the form; the approval page shows the path taken and the path ahead). A pure function of the definition's
 * nodes and, optionally, the marks of a running process (presentation/flow-path.ts).
 *
 * Layout is top-down and hand-made, because the structure is simple: a sequence of nodes from 开始 to 结束, where a
 * step is a box, a condition gateway is a diamond whose branches run side by side (each a column of steps, its label
 * the branch's name and condition) and meet again, and a parallel node is a split bar, its branches side by side as
 * boxes, and a join bar saying whether all must pass or the first decides. Each block knows its size and draws itself
 * at a position; a sequence stacks blocks and joins them with arrows.
 */

import { OTHERWISE_LABEL } from '../domain/flow-branches';

/** A step as the diagram needs it. */
export interface DiagramStep {
  type?: 'step';
  key: string;
  name: string;
  /** 单人审批, 会签, 或签 … (the caller's words). */
  detail?: string;
}
export interface DiagramCondition {
  type: 'condition';
  key: string;
  name: string;
  branches: Array<{ name: string; label: string; steps: DiagramBranchNode[] }>;
  /** The default branch: taken when no branch matches; may be empty (straight on). */
  otherwise: DiagramBranchNode[];
}
export interface DiagramParallel {
  type: 'parallel';
  key: string;
  name: string;
  join: 'all' | 'any';
  branches: Array<{ key: string; name: string; detail?: string }>;
}
/** What a condition's branch holds: steps and parallel nodes, no gateway inside a gateway. */
export type DiagramBranchNode = DiagramStep | DiagramParallel;
export type DiagramNode = DiagramBranchNode | DiagramCondition;

/** Where a process stands: by node or step key, and by branch (`gatewayKey/branchIndex`, otherwise = -1). */
export type PathMark = 'done' | 'current' | 'ahead' | 'skipped' | 'rejected';
export interface DiagramMarks {
  nodes?: Record<string, PathMark>;
  branches?: Record<string, PathMark>;
}

export const OTHERWISE_INDEX = -1;
export const branchMarkKey = (gatewayKey: string, index: number) => `${gatewayKey}/${index}`;

const BOX_W = 168;
const BOX_H = 52;
const GAP = 26;
const COL_GAP = 20;
const LABEL_H = 34;
const DIAMOND = 44;
const BAR_H = 24;
const PAD = 16;

interface Block {
  width: number;
  height: number;
  /** SVG elements with the block's top-left at (x, y); in and out at the middle of the top and bottom edges. */
  draw: (x: number, y: number) => string[];
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Roughly how wide a text is at 13 px: a CJK character is a full em, others half. */
function textWidth(text: string, size = 13): number {
  let w = 0;
  for (const ch of text) w += /[\u2E80-\uFFEF]/.test(ch) ? size : size * 0.58;
  return w;
}

/** The text cut to fit `width` px, with an ellipsis; the full text stays in a <title>. */
function fit(text: string, width: number, size = 13): string {
  if (textWidth(text, size) <= width) return text;
  let out = '';
  for (const ch of text) {
    if (textWidth(out + ch + '…', size) > width) break;
    out += ch;
  }
  return `${out}…`;
}

function text(x: number, y: number, value: string, cls: string, width: number, size = 13): string {
  return `<text x="${x}" y="${y}" class="${cls}" text-anchor="middle">${escapeXml(fit(value, width, size))}</text>`;
}

const arrow = (x1: number, y1: number, x2: number, y2: number) =>
  `<path d="M${x1} ${y1} L${x2} ${y2}" class="edge" marker-end="url(#arrow)"/>`;
const line = (points: Array<[number, number]>, cls = 'edge') =>
  `<path d="M${points.map(([a, b]) => `${a} ${b}`).join(' L')}" class="${cls}"/>`;

function markClass(mark: PathMark | undefined): string {
  return mark ? ` mark-${mark}` : '';
}

function terminal(label: string, cls: string): Block {
  return {
    width: 72,
    height: 30,
    draw: (x, y) => [
      `<g class="node terminal ${cls}"><rect x="${x}" y="${y}" width="72" height="30" rx="15"/>`,
      text(x + 36, y + 20, label, 'label', 64),
      '</g>',
    ],
  };
}

function stepBlock(step: DiagramStep, marks: DiagramMarks): Block {
  return {
    width: BOX_W,
    height: BOX_H,
    draw: (x, y) => [
      `<g class="node step${markClass(marks.nodes?.[step.key])}" data-key="${escapeXml(step.key)}">`,
      `<title>${escapeXml(step.name)}${step.detail ? ` · ${escapeXml(step.detail)}` : ''}</title>`,
      `<rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="6"/>`,
      text(x + BOX_W / 2, y + (step.detail ? 22 : 31), step.name, 'label', BOX_W - 12),
      step.detail ? text(x + BOX_W / 2, y + 40, step.detail, 'detail', BOX_W - 12, 12) : '',
      '</g>',
    ],
  };
}

/** Blocks one under the other, joined by arrows, centred on the widest. */
function sequence(blocks: Block[]): Block {
  if (blocks.length === 0) return { width: 0, height: 0, draw: () => [] };
  const width = Math.max(...blocks.map((b) => b.width));
  const height = blocks.reduce((h, b) => h + b.height, 0) + GAP * (blocks.length - 1);
  return {
    width,
    height,
    draw: (x, y) => {
      const out: string[] = [];
      let top = y;
      const mid = x + width / 2;
      blocks.forEach((b, i) => {
        if (i > 0) out.push(arrow(mid, top - GAP, mid, top - 2));
        out.push(...b.draw(mid - b.width / 2, top));
        top += b.height + GAP;
      });
      return out;
    },
  };
}

/** Columns side by side, each headed by a label, between a split and a merge drawn by the caller. */
function columns(
  cols: Array<{ label: string; sub?: string; body: Block; mark?: PathMark; id: string }>,
): Block & { centres: (x: number) => number[] } {
  const widths = cols.map((c) => Math.max(c.body.width, BOX_W));
  const width = widths.reduce((a, b) => a + b, 0) + COL_GAP * (cols.length - 1);
  const height = LABEL_H + Math.max(0, ...cols.map((c) => c.body.height)) + GAP;
  const centres = (x: number) => {
    let left = x;
    return widths.map((w) => {
      const c = left + w / 2;
      left += w + COL_GAP;
      return c;
    });
  };
  return {
    width,
    height,
    centres,
    draw: (x, y) => {
      const out: string[] = [];
      centres(x).forEach((c, i) => {
        const col = cols[i]!;
        const w = widths[i]!;
        out.push(`<g class="branch${markClass(col.mark)}" data-branch="${escapeXml(col.id)}">`);
        out.push(text(c, y + 13, col.label, 'branch-label', w - 4, 12));
        if (col.sub) out.push(text(c, y + 28, col.sub, 'branch-condition', w - 4, 11));
        const top = y + LABEL_H;
        if (col.body.height > 0) {
          out.push(...col.body.draw(c - col.body.width / 2, top));
          out.push(
            line(
              [
                [c, top + col.body.height],
                [c, y + height],
              ],
              'edge branch-edge',
            ),
          );
        } else {
          out.push(
            line(
              [
                [c, top],
                [c, y + height],
              ],
              'edge branch-edge',
            ),
          );
        }
        out.push('</g>');
      });
      return out;
    },
  };
}

function conditionBlock(node: DiagramCondition, marks: DiagramMarks): Block {
  const cols = [
    ...node.branches.map((b, i) => ({
      label: b.name,
      sub: b.label,
      body: sequence(b.steps.map((s) => nodeBlock(s, marks))),
      mark: marks.branches?.[branchMarkKey(node.key, i)],
      id: branchMarkKey(node.key, i),
    })),
    {
      label: OTHERWISE_LABEL,
      sub: node.otherwise.length ? '以上条件都不满足时' : '以上都不满足时直接继续',
      body: sequence(node.otherwise.map((s) => nodeBlock(s, marks))),
      mark: marks.branches?.[branchMarkKey(node.key, OTHERWISE_INDEX)],
      id: branchMarkKey(node.key, OTHERWISE_INDEX),
    },
  ];
  const body = columns(cols);
  const head = DIAMOND + 18;
  const width = Math.max(body.width, textWidth(node.name) + 20);
  const height = head + GAP + body.height + 10;
  return {
    width,
    height,
    draw: (x, y) => {
      const mid = x + width / 2;
      const bx = mid - body.width / 2;
      const centres = body.centres(bx);
      const splitY = y + head + GAP / 2;
      const bodyY = y + head + GAP;
      const mergeY = bodyY + body.height;
      const d = DIAMOND / 2;
      return [
        `<g class="node gateway condition${markClass(marks.nodes?.[node.key])}" data-key="${escapeXml(node.key)}">`,
        `<title>条件分支：${escapeXml(node.name)}</title>`,
        `<path d="M${mid} ${y} L${mid + d} ${y + d} L${mid} ${y + DIAMOND} L${mid - d} ${y + d} Z"/>`,
        `<text x="${mid}" y="${y + d + 5}" class="gateway-sign" text-anchor="middle">?</text>`,
        text(mid, y + DIAMOND + 14, node.name, 'label', width),
        '</g>',
        line([
          [mid, y + head],
          [mid, splitY],
        ]),
        line([
          [centres[0]!, splitY],
          [centres[centres.length - 1]!, splitY],
        ]),
        ...centres.map((c) => arrow(c, splitY, c, bodyY - 2)),
        ...body.draw(bx, bodyY),
        line([
          [centres[0]!, mergeY],
          [centres[centres.length - 1]!, mergeY],
        ]),
        line([
          [mid, mergeY],
          [mid, y + height],
        ]),
      ];
    },
  };
}

function parallelBlock(node: DiagramParallel, marks: DiagramMarks): Block {
  const join = node.join === 'all' ? '全部通过后汇合（任一驳回即驳回）' : '任一分支先办结即决定，其余取消';
  const cols = node.branches.map((b) => ({
    label: '',
    body: stepBlock({ key: `${node.key}/${b.key}`, name: b.name, detail: b.detail }, marks),
    mark: marks.branches?.[`${node.key}/${b.key}`],
    id: `${node.key}/${b.key}`,
  }));
  const body = columns(cols);
  const width = Math.max(body.width, textWidth(join, 12) + 20, textWidth(node.name) + 60);
  const height = BAR_H + body.height - LABEL_H + GAP + BAR_H;
  return {
    width,
    height,
    draw: (x, y) => {
      const mid = x + width / 2;
      const bx = mid - body.width / 2;
      const centres = body.centres(bx);
      const bodyY = y + BAR_H + GAP - LABEL_H;
      const joinY = y + height - BAR_H;
      const mark = markClass(marks.nodes?.[node.key]);
      return [
        `<g class="node parallel split${mark}" data-key="${escapeXml(node.key)}">`,
        `<title>并行分支：${escapeXml(node.name)}</title>`,
        `<rect x="${x}" y="${y}" width="${width}" height="${BAR_H}" rx="4"/>`,
        text(mid, y + 16, `并行：${node.name}`, 'bar-label', width - 8, 12),
        '</g>',
        ...centres.map((c) => arrow(c, y + BAR_H, c, bodyY + LABEL_H - 2)),
        ...body.draw(bx, bodyY),
        `<g class="node parallel join join-${node.join}${mark}">`,
        `<rect x="${x}" y="${joinY}" width="${width}" height="${BAR_H}" rx="4"/>`,
        text(mid, joinY + 16, join, 'bar-label', width - 8, 12),
        '</g>',
      ];
    },
  };
}

function nodeBlock(node: DiagramNode, marks: DiagramMarks): Block {
  if (node.type === 'condition') return conditionBlock(node, marks);
  if (node.type === 'parallel') return parallelBlock(node, marks);
  return stepBlock(node, marks);
}

const STYLE = `
.edge{fill:none;stroke:#6b7280;stroke-width:1.5}
.node rect,.node path{fill:#fff;stroke:#1a4f8b;stroke-width:1.5}
.terminal rect{fill:#eef3f9}
.gateway path{fill:#fff8e6;stroke:#a5670b}
.parallel rect{fill:#1a4f8b;stroke:#1a4f8b}
.parallel .bar-label{fill:#fff}
text{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;fill:#111827}
.label{font-size:13px}.detail,.bar-label{font-size:12px}.branch-label{font-size:12px;fill:#6b4fbb;font-weight:bold}
.branch-condition{font-size:11px;fill:#6b7280}.gateway-sign{font-size:16px;fill:#a5670b;font-weight:bold}
.node.mark-done>rect,.node.mark-done>path{stroke:#1e8e4e;fill:#f3fbf6}
.node.mark-current>rect,.node.mark-current>path{stroke:#f0a500;stroke-width:3;fill:#fffaf0}
.node.mark-rejected>rect,.node.mark-rejected>path{stroke:#c0392b;fill:#fdf3f2}
.node.mark-skipped>rect,.node.mark-skipped>path,.branch.mark-skipped>.edge{stroke:#d1d5db;stroke-dasharray:4 3}
.branch.mark-skipped>text,.node.mark-skipped text{fill:#9ca3af}
.branch.mark-done>.edge,.branch.mark-current>.edge{stroke:#1e8e4e;stroke-width:2.5}
.parallel.mark-done>rect{fill:#1e8e4e;stroke:#1e8e4e}.parallel.mark-current>rect{fill:#a5670b;stroke:#a5670b}
.parallel.mark-skipped>rect{fill:#e5e7eb;stroke:#d1d5db}.parallel.mark-skipped .bar-label{fill:#6b7280}
`;

/** Every rule scoped to the diagram, since the SVG sits inline in a page with its own classes. */
const SCOPED_STYLE = STYLE.replace(
  /(^|\})([^{}]+)\{/g,
  (_m, end: string, selectors: string) =>
    `${end}${selectors
      .split(',')
      .map((s) => `.flow-svg ${s.trim()}`)
      .join(',')}{`,
);

/**
 * The SVG of a flow: `title` names it for screen readers; `marks` (optional) colour what is done, current, ahead
 * and skipped. Sizes are in CSS pixels; the SVG scales down to its box (viewBox).
 */
export function flowDiagramSvg(nodes: DiagramNode[], opts: { title: string; marks?: DiagramMarks }): string {
  const marks = opts.marks ?? {};
  const body = sequence([
    terminal('开始', 'start'),
    ...nodes.map((n) => nodeBlock(n, marks)),
    terminal('结束', 'end'),
  ]);
  const width = Math.ceil(body.width + PAD * 2);
  const height = Math.ceil(body.height + PAD * 2);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(opts.title)}" class="flow-svg">`,
    `<title>${escapeXml(opts.title)}</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto"><path d="M0 0 L10 5 L0 10 z" fill="#6b7280"/></marker><style>${SCOPED_STYLE}</style></defs>`,
    ...body.draw(PAD, PAD),
    '</svg>',
  ]
    .filter(Boolean)
    .join('\n');
}
