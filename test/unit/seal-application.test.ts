/**
 * The seal application process as pure transitions (SM-5 … SM-8). SM-5(3): the applicant's own seal management
 * department reviews first; on approval the application goes level by level to the upper departments; a rejection
 * at any level ends it and the applicant is told why.
 */
import {
  approve,
  Decision,
  decisionProblem,
  DepartmentNode,
  JurisdictionNode,
  reject,
  reviewChain,
  reviewTaskId,
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

const CHAIN = reviewChain('140525', JURISDICTIONS, DEPARTMENTS);

const INPUT: SealApplicationInput = {
  applicationId: 'app-1',
  organisationId: 'zz-amr',
  organisationName: '泽州县市场监督管理局',
  applicant: { userId: 'user-zz-amr-clerk', displayName: '王芳', email: 'wangfang@jincheng.example' },
  kind: 'business',
  sealName: '泽州县市场监督管理局合同专用章',
  chain: CHAIN,
};

const REVIEWERS = [
  {
    userId: 'user-zz',
    displayName: '赵刚',
    organisationId: 'zz-approval',
    organisationName: '泽州县行政审批服务管理局',
  },
  {
    userId: 'user-jc',
    displayName: '钱敏',
    organisationId: 'jc-approval',
    organisationName: '晋城市行政审批服务管理局',
  },
  {
    userId: 'user-sx',
    displayName: '孙伟',
    organisationId: 'sx-approval',
    organisationName: '山西省行政审批服务管理局',
  },
];

function decisionAt(level: number, comment?: string): Decision {
  return { taskId: reviewTaskId('app-1', level), ...REVIEWERS[level]!, ...(comment ? { comment } : {}) };
}

const T0 = '2026-03-02T01:00:00.000Z';
const at = (n: number) => new Date(Date.parse(T0) + n * 3600_000).toISOString();

function expectPlainJson(state: SealApplicationState): void {
  expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
}

describe('task and workflow ids', () => {
  it('numbers review tasks from L1, derived from the application id only (retries write the same task)', () => {
    expect(reviewTaskId('app-1', 0)).toBe('seal-application-app-1-L1');
    expect(reviewTaskId('app-1', 2)).toBe('seal-application-app-1-L3');
    expect(reviewTaskId('app-1', 1)).toBe(reviewTaskId('app-1', 1));
    expect(reviewTaskId('app-2', 1)).not.toBe(reviewTaskId('app-1', 1));
  });

  it('names the workflow after the application', () => {
    expect(sealApplicationWorkflowId('app-1')).toBe('seal-application-app-1');
  });
});

describe('startProcess', () => {
  it('starts pending at the first level with its task, recording the applicant as submitter', () => {
    const state = startProcess(INPUT, T0);
    expect(state).toEqual({
      applicationId: 'app-1',
      status: 'pending',
      stage: 'review',
      currentLevel: 0,
      currentTaskId: 'seal-application-app-1-L1',
      chain: CHAIN,
      history: [
        {
          at: T0,
          action: 'submitted',
          actor: {
            userId: 'user-zz-amr-clerk',
            displayName: '王芳',
            organisationName: '泽州县市场监督管理局',
          },
        },
      ],
      sealId: null,
      outcomeReason: null,
    });
    expectPlainJson(state);
  });

  it('refuses an application without any review level', () => {
    expect(() => startProcess({ ...INPUT, chain: [] }, T0)).toThrow('at least one review level');
  });
});

describe('approve: level by level (SM-5(3))', () => {
  it('moves to the next level and its task after each approval, and to seal making after the last', () => {
    let state = startProcess(INPUT, T0);

    state = approve(state, decisionAt(0, '县级同意'), at(1));
    expect(state).toMatchObject({
      status: 'pending',
      stage: 'review',
      currentLevel: 1,
      currentTaskId: 'seal-application-app-1-L2',
    });
    expectPlainJson(state);

    state = approve(state, decisionAt(1, '市级同意'), at(2));
    expect(state).toMatchObject({
      status: 'pending',
      stage: 'review',
      currentLevel: 2,
      currentTaskId: 'seal-application-app-1-L3',
    });
    expectPlainJson(state);

    state = approve(state, decisionAt(2, '省级同意'), at(3));
    expect(state).toMatchObject({
      status: 'pending',
      stage: 'making_seal',
      currentLevel: null,
      currentTaskId: null,
      sealId: null,
      outcomeReason: null,
    });
    expectPlainJson(state);
  });

  it('records each approval with its level, actor, comment and time', () => {
    let state = startProcess(INPUT, T0);
    for (const level of [0, 1, 2])
      state = approve(state, decisionAt(level, `第${level + 1}级同意`), at(level + 1));
    expect(state.history.map((h) => h.action)).toEqual(['submitted', 'approved', 'approved', 'approved']);
    expect(state.history[2]).toEqual({
      at: at(2),
      action: 'approved',
      level: 1,
      actor: { userId: 'user-jc', displayName: '钱敏', organisationName: '晋城市行政审批服务管理局' },
      comment: '第2级同意',
    });
    expect(state.history.slice(1).map((h) => h.level)).toEqual([0, 1, 2]);
  });

  it('takes a decision without a comment', () => {
    const state = approve(startProcess(INPUT, T0), decisionAt(0), at(1));
    expect(state.history[1]).toMatchObject({ action: 'approved', level: 0, actor: { userId: 'user-zz' } });
    expect(state.history[1]!.comment).toBeUndefined();
  });

  it('moves a single-level chain straight to seal making', () => {
    const state = startProcess({ ...INPUT, chain: CHAIN.slice(2) }, T0);
    const decision = { ...decisionAt(2), taskId: reviewTaskId('app-1', 0) };
    expect(approve(state, decision, at(1))).toMatchObject({ stage: 'making_seal', currentLevel: null });
  });

  it('does not change the state it was given', () => {
    const state = startProcess(INPUT, T0);
    const copy = structuredClone(state);
    approve(state, decisionAt(0), at(1));
    expect(state).toEqual(copy);
  });
});

describe('decisionProblem: who may decide, and on which task', () => {
  const state = startProcess(INPUT, T0);

  it('allows the department of the current level on the current task', () => {
    expect(decisionProblem(state, decisionAt(0))).toBeUndefined();
  });

  it('refuses a wrong task id', () => {
    const decision = { ...decisionAt(0), taskId: reviewTaskId('app-1', 1) };
    expect(decisionProblem(state, decision)).toBe('task seal-application-app-1-L2 is not pending');
    expect(() => approve(state, decision, at(1))).toThrow('is not pending');
    expect(() => reject(state, { ...decision, reason: '不同意' }, at(1))).toThrow('is not pending');
  });

  it('refuses an upper department deciding before its turn, even on the current task', () => {
    const early = { ...decisionAt(1), taskId: reviewTaskId('app-1', 0) };
    expect(decisionProblem(state, early)).toBe(
      'the decision must come from the department reviewing the current level',
    );
    expect(() => approve(state, early, at(1))).toThrow('the department reviewing the current level');
    expect(() => reject(state, { ...early, reason: '不同意' }, at(1))).toThrow('the department reviewing');
  });

  it('refuses a lower department deciding again after its level has passed', () => {
    const next = approve(state, decisionAt(0), at(1));
    const again = { ...decisionAt(0), taskId: reviewTaskId('app-1', 1) };
    expect(decisionProblem(next, again)).toBe(
      'the decision must come from the department reviewing the current level',
    );
    expect(decisionProblem(next, decisionAt(0))).toBe('task seal-application-app-1-L1 is not pending');
  });

  it('refuses any decision once the review is over', () => {
    let done = state;
    for (const level of [0, 1, 2]) done = approve(done, decisionAt(level), at(level + 1));
    expect(decisionProblem(done, decisionAt(2))).toBe('application is no longer under review');
    expect(() => approve(done, decisionAt(2), at(5))).toThrow('no longer under review');

    const rejected = reject(state, { ...decisionAt(0), reason: '材料不全' }, at(1));
    expect(decisionProblem(rejected, decisionAt(0))).toBe('application is no longer under review');
  });
});

describe('reject (SM-5(3): a rejection at any level ends the application with its reason)', () => {
  it.each([0, 1, 2])('ends the application at level %i with status rejected and the reason', (level) => {
    let state = startProcess(INPUT, T0);
    for (let l = 0; l < level; l++) state = approve(state, decisionAt(l, '同意'), at(l + 1));
    const reason = '印章名称与机构职能不符';
    state = reject(state, { ...decisionAt(level), reason }, at(9));
    expect(state).toMatchObject({
      status: 'rejected',
      stage: 'done',
      currentLevel: null,
      currentTaskId: null,
      outcomeReason: reason,
      sealId: null,
    });
    expect(state.history.at(-1)).toEqual({
      at: at(9),
      action: 'rejected',
      level,
      actor: {
        userId: REVIEWERS[level]!.userId,
        displayName: REVIEWERS[level]!.displayName,
        organisationName: REVIEWERS[level]!.organisationName,
      },
      comment: reason,
    });
    expectPlainJson(state);
  });

  it('records the reason as the comment even when the decision carries another comment', () => {
    const state = reject(
      startProcess(INPUT, T0),
      { ...decisionAt(0, '其他意见'), reason: '材料不全' },
      at(1),
    );
    expect(state.history.at(-1)!.comment).toBe('材料不全');
  });
});

describe('seal making after approval', () => {
  function approvedState(): SealApplicationState {
    let state = startProcess(INPUT, T0);
    for (const level of [0, 1, 2]) state = approve(state, decisionAt(level, '同意'), at(level + 1));
    return state;
  }

  it('sealMade ends the application approved, with the seal id', () => {
    const state = sealMade(approvedState(), 'seal-42', at(4));
    expect(state).toMatchObject({
      status: 'approved',
      stage: 'done',
      sealId: 'seal-42',
      outcomeReason: null,
    });
    expect(state.history.at(-1)).toEqual({ at: at(4), action: 'seal_made' });
    expect(state.history).toHaveLength(5);
    expectPlainJson(state);
  });

  it('sealFailed ends the application failed, with the reason (e.g. an SM-7 refusal)', () => {
    const reason = '机构数字证书已吊销（SM-7）';
    const state = sealFailed(approvedState(), reason, at(4));
    expect(state).toMatchObject({ status: 'failed', stage: 'done', sealId: null, outcomeReason: reason });
    expect(state.history.at(-1)).toEqual({ at: at(4), action: 'failed', comment: reason });
    expectPlainJson(state);
  });

  it('approvals without a comment keep the state plain JSON (no undefined members)', () => {
    let state = startProcess(INPUT, T0);
    for (const level of [0, 1, 2]) state = approve(state, decisionAt(level), at(level + 1));
    expect(state.history[1]).not.toHaveProperty('comment');
    expectPlainJson(state);
  });

  it('a seal outcome is refused before the last approval or after a rejection', () => {
    const inReview = startProcess(INPUT, T0);
    const rejected = reject(inReview, { ...decisionAt(0), reason: '材料不全' }, at(1));
    for (const state of [inReview, rejected]) {
      expect(() => sealMade(state, 'seal-42', at(2))).toThrow('no seal is being made');
      expect(() => sealFailed(state, 'x', at(2))).toThrow('no seal is being made');
    }
  });
});
