/**
 * Issue 10, build item 2 (UI): the flow diagram drawn server-side beside the editor and on the approval page. Each
 * node kind is drawn, its labels are there, and the SVG is well-formed XML.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DiagramNode, flowDiagramSvg } from '../../presentation/flow-diagram';

const NODES: DiagramNode[] = [
  { key: 'review', name: '县审批局初审', detail: '单人审批' },
  {
    type: 'condition',
    key: 'by-kind',
    name: '按印章类型',
    branches: [
      {
        name: '法定名称章',
        label: '印章类型 等于 法定名称章',
        steps: [
          { key: 'leader', name: '单位负责人审批', detail: '单人审批' },
          { key: 'city', name: '市审批局审核', detail: '或签' },
        ],
      },
    ],
    otherwise: [{ key: 'county', name: '县审批局复核', detail: '会签' }],
  },
  {
    type: 'parallel',
    key: 'joint',
    name: '会同审查',
    join: 'any',
    branches: [
      { key: 'police', name: '公安备案审查', detail: '单人审批' },
      { key: 'archive', name: '档案部门审查', detail: '或签' },
    ],
  },
];

/** Every element with its attributes, depth first, from the parsed SVG. */
function elements(svg: string): Array<{ tag: string; attrs: Record<string, string> }> {
  const tree = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true }).parse(
    svg,
  ) as unknown[];
  const out: Array<{ tag: string; attrs: Record<string, string> }> = [];
  const walk = (nodes: unknown[]) => {
    for (const node of nodes as Array<Record<string, unknown>>) {
      for (const [tag, children] of Object.entries(node)) {
        if (tag === ':@' || tag === '#text') continue;
        out.push({ tag, attrs: (node[':@'] as Record<string, string>) ?? {} });
        if (Array.isArray(children)) walk(children);
      }
    }
  };
  walk(tree);
  return out;
}

describe('flow diagram (issue 10, build item 2)', () => {
  const svg = flowDiagramSvg(NODES, { title: '用印审批流程' });

  it('is a well-formed SVG document with a title for screen readers', () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toMatch(/viewBox="0 0 \d+ \d+"/);
    expect(svg).toContain('aria-label="用印审批流程"');
  });

  it('draws each node kind: steps, the condition gateway with its branches, the parallel split and join', () => {
    const all = elements(svg);
    const classes = all.map((e) => e.attrs.class ?? '');
    expect(classes.filter((c) => c.split(' ').includes('step'))).toHaveLength(6);
    expect(classes.filter((c) => c.includes('gateway condition'))).toHaveLength(1);
    expect(classes.filter((c) => c.includes('parallel split'))).toHaveLength(1);
    expect(classes.filter((c) => c.includes('parallel join join-any'))).toHaveLength(1);
    expect(all.filter((e) => e.attrs['data-branch']).map((e) => e.attrs['data-branch'])).toEqual([
      'by-kind/0',
      'by-kind/-1',
      'joint/police',
      'joint/archive',
    ]);
    for (const key of ['review', 'leader', 'city', 'county', 'by-kind', 'joint']) {
      expect(all.some((e) => e.attrs['data-key'] === key)).toBe(true);
    }
  });

  it('labels steps, branches with their conditions, the default branch and the join rule', () => {
    for (const label of [
      '开始',
      '结束',
      '县审批局初审',
      '按印章类型',
      '法定名称章',
      '印章类型 等于 法定名称章',
      '默认分支',
      '县审批局复核',
      '并行：会同审查',
      '公安备案审查',
      '任一分支先办结即决定，其余取消',
    ]) {
      expect(svg).toContain(`>${label}<`);
    }
    const allJoin = flowDiagramSvg(
      [{ ...(NODES[2] as Extract<DiagramNode, { type: 'parallel' }>), join: 'all' as const }],
      { title: 't' },
    );
    expect(allJoin).toContain('全部通过后汇合（任一驳回即驳回）');
  });

  it('escapes names and cuts a long name to fit its box, keeping it whole in the title', () => {
    const long = '这是一个非常非常非常非常非常长的步骤名称用于测试';
    const out = flowDiagramSvg(
      [
        { key: 'x', name: long },
        { key: 'y', name: 'A & B <审核>' },
      ],
      {
        title: '"引号" & <尖括号>',
      },
    );
    expect(XMLValidator.validate(out)).toBe(true);
    expect(out).toContain(`<title>${long}</title>`);
    expect(out).toMatch(/>这是一个非常[^<]*…</);
    expect(out).toContain('A &#38; B &#60;审核&#62;');
  });

  it('marks the path taken, the current step and the branches not taken', () => {
    const marked = flowDiagramSvg(NODES, {
      title: 't',
      marks: {
        nodes: { review: 'done', 'by-kind': 'done', leader: 'current', city: 'ahead', county: 'skipped' },
        branches: { 'by-kind/0': 'current', 'by-kind/-1': 'skipped' },
      },
    });
    const all = elements(marked);
    const classOf = (attr: string, value: string) => all.find((e) => e.attrs[attr] === value)?.attrs.class;
    expect(classOf('data-key', 'review')).toBe('node step mark-done');
    expect(classOf('data-key', 'leader')).toBe('node step mark-current');
    expect(classOf('data-key', 'county')).toBe('node step mark-skipped');
    expect(classOf('data-branch', 'by-kind/0')).toBe('branch mark-current');
    expect(classOf('data-branch', 'by-kind/-1')).toBe('branch mark-skipped');
  });
});
