/**
 * Issue 17 Build 3 and 7: words, not codes. The page check's rules (test/support/page-check.ts) catch what they
 * should and pass plain Chinese; certificate names and algorithms read in words.
 */
import { algorithmLabel } from '../../api/web/render';
import { homeOf, navFor } from '../../api/web/navigation';
import { distinguishedNameText } from '../../presentation/certificate-text';
import { isPageLink, routePattern, textProblems } from '../support/page-check';
import type { Principal } from '../../api/principal';

const rules = (text: string) => textProblems(text).map((p) => p.rule);

describe('the page check', () => {
  it('catches raw values, regulation ids, API calls and English words', () => {
    expect(rules('状态：[object Object]')).toEqual(['[object Object]']);
    expect(rules('到期 undefined')).toEqual(['undefined']);
    expect(rules('依据 SM-5 审核')).toEqual(['条款编号']);
    expect(rules('请调用 POST /api/verify')).toEqual(['接口调用']);
    expect(rules('来源 system · level-1')).toEqual(['英文']);
    expect(rules('合计 NaN 件')).toEqual(['NaN']);
  });

  it('passes Chinese text with codes, names of formats and the allowlist', () => {
    expect(
      textProblems(
        '统一社会信用代码 91140525MA0K7L2X8Q，下载 PDF 文件，扫描 QR 码，证照编号 11100000000013338W001，办件编号 YZ-2026-000123',
      ),
    ).toEqual([]);
    // 办件编号: two capital letters of the process kind, the year and the number.
    expect(textProblems('办件编号 YZ-2026-000001')).toEqual([]);
    expect(textProblems('办件编号 YZ-draft')).toEqual([{ rule: '英文', sample: 'YZ draft' }]);
  });

  it('follows page links only, and visits one id of a route', () => {
    const origin = 'http://127.0.0.1:3000';
    expect(isPageLink(`${origin}/licences/abc`, origin)).toBe(true);
    expect(isPageLink(`${origin}/api/docs/`, origin)).toBe(false);
    expect(isPageLink(`${origin}/verify/x/copy.pdf`, origin)).toBe(false);
    expect(isPageLink('https://example.org/', origin)).toBe(false);
    expect(routePattern(`${origin}/licences/11100000000013338W001?x=1`)).toBe('/licences/:id?x');
    expect(routePattern(`${origin}/approvals/3f1c2a9e-0000-4000-8000-000000000000`)).toBe('/approvals/:id');
  });
});

describe('words for certificates', () => {
  it('names the fields of a distinguished name in Chinese', () => {
    expect(
      distinguishedNameText(
        'CN=泽州县市场监督管理局\nO=泽州县市场监督管理局\norganizationIdentifier=11140525MB1234567X',
      ),
    ).toBe('名称：泽州县市场监督管理局，单位：泽州县市场监督管理局，统一社会信用代码：11140525MB1234567X');
    expect(distinguishedNameText('C=CN\nO=山西省电子政务CA')).toBe('国家：中国，单位：山西省电子政务CA');
  });
  it('says what a signature algorithm is', () => {
    expect(algorithmLabel('sha256WithRSAEncryption')).toBe('RSA 签名（SHA-256 摘要）');
  });
});

describe('the menu', () => {
  const principal = (
    roles: Principal['roles'],
    functions: Principal['organisationFunctions'] = [],
  ): Principal => ({
    userId: 'u',
    username: 'u',
    displayName: '用户',
    email: null,
    roles,
    organisationId: 'o',
    organisationName: '单位',
    organisationFunctions: functions,
    jurisdictionId: 'j',
  });
  const hrefs = (p: Principal, pending = 0) => navFor(p, undefined, pending).map((l) => l.href);

  it('offers a holder only their licences, and 待办 when a task waits for them', () => {
    expect(hrefs(principal(['licence_holder']))).toEqual(['/my/licences']);
    expect(hrefs(principal(['licence_holder']), 1)).toEqual(['/my/licences', '/tasks']);
    expect(homeOf(principal(['licence_holder']))).toBe('/my/licences');
  });
  it('offers 督办 and 逾期归集 to a management unit supervisor, not to an issuer', () => {
    expect(hrefs(principal(['supervisor'], ['management_unit']))).toEqual(
      expect.arrayContaining(['/home', '/supervision', '/licences/late']),
    );
    expect(hrefs(principal(['licence_issuer'], ['issuing_unit']))).not.toContain('/licences/late');
    expect(hrefs(principal(['licence_issuer'], ['issuing_unit']))).not.toContain('/api/docs/');
  });
});
