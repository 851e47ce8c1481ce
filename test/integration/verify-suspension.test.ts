/**
 * Issue 12 (LM-8, DESIGN §3): the public verification page of a suspended licence says which suspension holds
 * (挂失, 暂扣, 质押), why and since when, in plain Chinese, as the JSON report does; without a login. The licence is
 * issued and withheld through the API on the real platform.
 */
import { randomUUID } from 'node:crypto';
import { shanghaiDateTime } from '../../domain/format';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform();
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
});
afterAll(async () => {
  await t?.stop();
});

it('a licence under 暂扣 shows 已暂扣, the reason and since when on /verify/<identifier>', async () => {
  const { licence } = await issueLicence(t, businessLicenceBody());
  const identifier = licence.identifier as string;
  const reason = '涉嫌无证经营，依法暂扣营业执照';
  const withheld = await t.call('POST', `/api/licenses/${identifier}/events`, {
    as: 'zz-amr-system',
    body: {
      caseId: `EV-${randomUUID()}`,
      kind: 'withholding',
      legalBasis: '《中华人民共和国行政处罚法》第九条',
      reason,
      authority: '泽州县市场监督管理局',
    },
  });
  expect(withheld.status).toBe(201);

  // The JSON report states the suspension with the time it took effect (the time it was recorded).
  const report = await t.call('POST', '/api/verify', { body: { identifier } });
  expect(report.body.lifecycle.now.suspensions).toEqual([
    expect.objectContaining({ kind: 'withheld', reason }),
  ]);
  const since = report.body.lifecycle.now.suspensions[0].since as string;
  expect(Date.parse(since)).toBeLessThanOrEqual(Date.now());

  // The public page, without a login, says the same in plain Chinese.
  const res = await t.call('GET', `/verify/${identifier}`);
  expect(res.status).toBe(200);
  const html = res.body as string;
  expect(html).toContain('id="suspensions"');
  expect(html).toContain('已暂扣');
  expect(html).toContain(reason);
  expect(html).toContain(`自 ${shanghaiDateTime(since)} 起`);

  // Once returned (发还), the page shows no suspension.
  const returned = await t.call('POST', `/api/licenses/${identifier}/events`, {
    as: 'zz-amr-system',
    body: {
      caseId: `EV-${randomUUID()}`,
      kind: 'withholding_return',
      legalBasis: '处罚决定履行完毕',
      reason: '发还',
    },
  });
  expect(returned.status).toBe(201);
  const after = (await t.call('GET', `/verify/${identifier}`)).body as string;
  expect(after).not.toContain('id="suspensions"');
  expect(after).not.toContain('已暂扣');
});
