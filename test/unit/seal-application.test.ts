/**
 * The seal application process as pure transitions (SM-5 … SM-8). SM-5(3): the applicant's own seal management
 * department reviews first; on approval the application goes level by level to the upper departments; a rejection
 * at any level ends it and the applicant is told why. The review itself is the approval engine's (approval.test.ts);
 * here: the walk up the tree that finds the levels, and what happens before and after the review.
 */
import type { ApprovalInput } from '../../domain/approval';
import {
  DepartmentNode,
  JurisdictionNode,
  reviewChain,
  reviewed,
  sealApplicationWorkflowId,
  SealApplicationInput,
  SealApplicationState,
  sealFailed,
  sealMade,
  startProcess,
} from '../../domain/seal-application';

const SHANXI: JurisdictionNode = { id: '140000', name: '山西省', parentId: null, sealReviewChain: null };
const JINCHENG: JurisdictionNode = {
  id: '140500',
  name: '晋城市',
  parentId: '140000',
  sealReviewChain: null,
};
const ZEZHOU: JurisdictionNode = { id: '140525', name: '泽州县', parentId: '140500', sealReviewChain: null };
const GAOPING: JurisdictionNode = { id: '140581', name: '高平市', parentId: '140500', sealReviewChain: null };
const JURISDICTIONS = [SHANXI, JINCHENG, ZEZHOU, GAOPING];

const DEPARTMENTS: DepartmentNode[] = [
  { id: 'sx-approval', name: '山西省行政审批服务管理局', jurisdictionId: '140000' },
  { id: 'jc-approval', name: '晋城市行政审批服务管理局', jurisdictionId: '140500' },
  { id: 'zz-approval', name: '泽州县行政审批服务管理局', jurisdictionId: '140525' },
];

describe('reviewChain (SM-5(3): own department first, then level by level upwards)', () => {
  it('gives county, city and province, bottom-up, for a county applicant', () => {
    expect(reviewChain('140525', JURISDICTIONS, DEPARTMENTS)).toEqual([
      {
        organisationId: 'zz-approval',
        organisationName: '泽州县行政审批服务管理局',
        jurisdictionName: '泽州县',
      },
      {
        organisationId: 'jc-approval',
        organisationName: '晋城市行政审批服务管理局',
        jurisdictionName: '晋城市',
      },
      {
        organisationId: 'sx-approval',
        organisationName: '山西省行政审批服务管理局',
        jurisdictionName: '山西省',
      },
    ]);
  });

  it('gives city and province for a city-level applicant', () => {
    expect(reviewChain('140500', JURISDICTIONS, DEPARTMENTS).map((l) => l.organisationId)).toEqual([
      'jc-approval',
      'sx-approval',
    ]);
  });

  it('gives the province alone for a provincial applicant', () => {
    expect(reviewChain('140000', JURISDICTIONS, DEPARTMENTS).map((l) => l.organisationId)).toEqual([
      'sx-approval',
    ]);
  });

  it('skips a jurisdiction that has no seal management department', () => {
    // 高平市 has none of its own: the city and the province review.
    expect(reviewChain('140581', JURISDICTIONS, DEPARTMENTS).map((l) => l.organisationId)).toEqual([
      'jc-approval',
      'sx-approval',
    ]);
  });

  it('uses a configured chain, in its order, instead of walking up the tree', () => {
    const configured = { ...GAOPING, sealReviewChain: ['sx-approval', 'jc-approval'] };
    expect(reviewChain('140581', [SHANXI, JINCHENG, ZEZHOU, configured], DEPARTMENTS)).toEqual([
      {
        organisationId: 'sx-approval',
        organisationName: '山西省行政审批服务管理局',
        jurisdictionName: '山西省',
      },
      {
        organisationId: 'jc-approval',
        organisationName: '晋城市行政审批服务管理局',
        jurisdictionName: '晋城市',
      },
    ]);
  });

  it('walks up the tree when the configured chain is empty', () => {
    const configured = { ...ZEZHOU, sealReviewChain: [] };
    expect(reviewChain('140525', [SHANXI, JINCHENG, configured], DEPARTMENTS)).toHaveLength(3);
  });

  it('refuses a configured chain naming an organisation that is not a seal management department', () => {
    const configured = { ...ZEZHOU, sealReviewChain: ['zz-approval', 'zz-amr'] };
    expect(() => reviewChain('140525', [SHANXI, JINCHENG, configured], DEPARTMENTS)).toThrow(
      'configured review chain names zz-amr, which is not a seal management department',
    );
  });

  it('refuses an unknown jurisdiction', () => {
    expect(() => reviewChain('999999', JURISDICTIONS, DEPARTMENTS)).toThrow('unknown jurisdiction 999999');
  });

  it('refuses a jurisdiction tree with a cycle instead of looping for ever', () => {
    const a: JurisdictionNode = { id: 'a', name: 'A', parentId: 'b', sealReviewChain: null };
    const b: JurisdictionNode = { id: 'b', name: 'B', parentId: 'a', sealReviewChain: null };
    expect(() => reviewChain('a', [a, b], [])).toThrow('jurisdiction tree has a cycle at a');
  });

  it('gives an empty chain when no jurisdiction up the tree has a department', () => {
    expect(reviewChain('140525', JURISDICTIONS, [])).toEqual([]);
  });
});

const INPUT: SealApplicationInput = {
  applicationId: 'app-1',
  organisationId: 'zz-amr',
  organisationName: '泽州县市场监督管理局',
  applicant: { userId: 'user-zz-amr-clerk', displayName: '王芳', email: 'wangfang@jincheng.example' },
  kind: 'business',
  sealName: '泽州县市场监督管理局合同专用章',
  approval: { processKey: 'approval-seal_application-app-1' } as ApprovalInput,
};

function expectPlainJson(state: SealApplicationState): void {
  expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
}

describe('the seal application around its review', () => {
  it('names the workflow after the application and starts under review', () => {
    expect(sealApplicationWorkflowId('app-1')).toBe('seal-application-app-1');
    const s = startProcess(INPUT);
    expect(s).toEqual({
      applicationId: 'app-1',
      status: 'pending',
      stage: 'review',
      approvalWorkflowId: 'approval-seal_application-app-1',
      sealId: null,
      outcomeReason: null,
    });
    expectPlainJson(s);
  });

  it('an approved review goes on to make the seal; sealMade ends it approved with the seal', () => {
    const making = reviewed(startProcess(INPUT), { status: 'approved', reason: null, finalApprovers: [] });
    expect(making).toMatchObject({ status: 'pending', stage: 'making_seal' });
    expect(sealMade(making, 'seal-1')).toMatchObject({ status: 'approved', stage: 'done', sealId: 'seal-1' });
  });

  it('sealFailed ends the application failed, with the reason (e.g. an SM-7 refusal)', () => {
    const making = reviewed(startProcess(INPUT), { status: 'approved', reason: null, finalApprovers: [] });
    expect(sealFailed(making, '证书已过期')).toMatchObject({ status: 'failed', outcomeReason: '证书已过期' });
  });

  it.each(['rejected', 'withdrawn'] as const)(
    'a %s review ends the application with its reason',
    (status) => {
      const s = reviewed(startProcess(INPUT), { status, reason: '材料不全', finalApprovers: [] });
      expect(s).toMatchObject({ status, stage: 'done', outcomeReason: '材料不全', sealId: null });
      expectPlainJson(s);
    },
  );

  it('a seal outcome is refused before the review is over or after a rejection', () => {
    expect(() => sealMade(startProcess(INPUT), 'seal-1')).toThrow();
    const rejected = reviewed(startProcess(INPUT), { status: 'rejected', reason: '否', finalApprovers: [] });
    expect(() => sealFailed(rejected, 'x')).toThrow();
    expect(() => reviewed(rejected, { status: 'approved', reason: null, finalApprovers: [] })).toThrow();
  });
});
