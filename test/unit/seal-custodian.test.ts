/** Seal custodians' pure rules (issue 15 Build 5, SM-14): who may be named, the body, and the signing refusal. */
import {
  custodianCandidateProblem,
  custodianProblem,
  SealCustodianChangeBody,
} from '../../domain/seal-custodian';
import { SEAL_USE_HTTP_STATUS } from '../../domain/seal-use';

describe('custodianCandidateProblem', () => {
  it('accepts an active person of the seal’s unit', () => {
    expect(custodianCandidateProblem({ organisationId: 'zz-amr', active: true }, 'zz-amr')).toBeNull();
  });
  it('refuses nobody, a person of another unit and a deactivated person, each in Chinese', () => {
    expect(custodianCandidateProblem(null, 'zz-amr')).toBe('没有该人员');
    expect(custodianCandidateProblem({ organisationId: 'gp-amr', active: true }, 'zz-amr')).toContain(
      '印章所属单位',
    );
    expect(custodianCandidateProblem({ organisationId: 'zz-amr', active: false }, 'zz-amr')).toContain(
      '已停用',
    );
  });
});

describe('custodianProblem (SM-14: no custodian, no signing)', () => {
  it('passes a seal naming a custodian', () => {
    expect(custodianProblem({ custodianId: 'user-zz-amr-clerk' })).toBeNull();
  });
  it('refuses a seal naming none with NO_CUSTODIAN, a 409 with a Chinese message', () => {
    const problem = custodianProblem({ custodianId: null });
    expect(problem?.code).toBe('NO_CUSTODIAN');
    expect(SEAL_USE_HTTP_STATUS.NO_CUSTODIAN).toBe(409);
    expect(problem?.message).toMatch(/保管人/);
    expect(problem?.message).not.toMatch(/[A-Za-z]/);
  });
});

describe('SealCustodianChangeBody', () => {
  it('takes a custodian, an optional deputy and a reason', () => {
    expect(SealCustodianChangeBody.parse({ custodian: 'a', deputy: 'b', reason: '调岗交接' })).toMatchObject({
      custodian: 'a',
      deputy: 'b',
    });
    expect(SealCustodianChangeBody.safeParse({ custodian: 'a', reason: '调岗交接' }).success).toBe(true);
  });
  it('refuses the same person twice on `deputy`, a short reason and unknown fields', () => {
    const same = SealCustodianChangeBody.safeParse({ custodian: 'a', deputy: 'a', reason: '调岗交接' });
    expect(same.success).toBe(false);
    expect(same.error?.issues[0]?.path).toEqual(['deputy']);
    expect(SealCustodianChangeBody.safeParse({ custodian: 'a', reason: '调' }).success).toBe(false);
    expect(SealCustodianChangeBody.safeParse({ custodian: 'a', reason: '调岗交接', x: 1 }).success).toBe(
      false,
    );
  });
});
