/** Issue 9: the pure rules behind safe flow changes (SM-12 for seal use, level scope, the dry run's sample). */
import { DEFAULT_FLOWS, dryRunSample, flowScopeKind, levelAtOrBelow } from '../../domain/flow-definition';
import { FlowDefinitionBody } from '../../domain/flow-definition-schema';

const leader = {
  key: 'leader',
  name: '负责人审批',
  approvers: [{ type: 'department_leader' }],
  mode: 'single',
};

describe('SM-12: auto_approve on breach', () => {
  it('is refused on every seal_use step, naming steps.N.onBreach', () => {
    const r = FlowDefinitionBody.safeParse({
      kind: 'seal_use',
      name: '用印审批',
      steps: [leader, { ...leader, key: 'again', onBreach: 'auto_approve' }],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['steps.1.onBreach']);
    expect(r.error!.issues[0]!.message).toContain('单位负责人');
  });

  it('is allowed on other kinds, and the defaults pass', () => {
    expect(
      FlowDefinitionBody.safeParse({
        kind: 'seal_application',
        name: '印章申请',
        steps: [{ ...leader, onBreach: 'auto_approve' }],
      }).success,
    ).toBe(true);
    for (const f of DEFAULT_FLOWS) expect(FlowDefinitionBody.safeParse(f).success).toBe(true);
  });
});

describe('scope', () => {
  it('a city unit may set city and lower level defaults, never the province’s', () => {
    expect(['city', 'county', 'district', 'zone'].every((l) => levelAtOrBelow(l as 'city', 'city'))).toBe(
      true,
    );
    expect(levelAtOrBelow('province', 'city')).toBe(false);
    expect(levelAtOrBelow('city', 'county')).toBe(false);
  });

  it('names the kind of scope', () => {
    expect(flowScopeKind({ organisationId: 'zz-amr', jurisdictionLevel: null })).toBe('organisation');
    expect(flowScopeKind({ organisationId: null, jurisdictionLevel: 'county' })).toBe('level');
    expect(flowScopeKind({})).toBe('platform');
  });
});

describe('the dry run sample', () => {
  const orgs = (n: number, j: string) =>
    Array.from({ length: n }, (_, i) => ({ id: `${j}-${String(i).padStart(3, '0')}`, jurisdictionId: j }));

  it('takes everyone when there are few', () => {
    const all = [...orgs(3, 'b'), ...orgs(2, 'a')];
    expect(dryRunSample(all).map((o) => o.id)).toEqual(['a-000', 'b-000', 'a-001', 'b-001', 'b-002']);
  });

  it('is deterministic, spread over jurisdictions, and capped', () => {
    const all = [...orgs(100, 'b'), ...orgs(2, 'a'), ...orgs(30, 'c')];
    const sample = dryRunSample(all, 50);
    expect(sample).toHaveLength(50);
    expect(new Set(sample.map((o) => o.jurisdictionId))).toEqual(new Set(['a', 'b', 'c']));
    expect(sample.filter((o) => o.jurisdictionId === 'a')).toHaveLength(2);
    expect(dryRunSample([...all].reverse(), 50)).toEqual(sample);
  });
});
