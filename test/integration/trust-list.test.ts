/**
 * The administered trust list (issue 20 Build 3, SM-3, WP-(二)1 mutual recognition), on real PostgreSQL: a city
 * administrator imports anchors (a test CA standing for the provincial one, RSA and SM2) through the API; a licence
 * sealed under one verifies PASSED through `POST /api/verify`, the report naming the anchor; once the anchor is
 * removed it verifies INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND. Bad input is a 400 naming the field, a county's
 * administrator is refused, nothing is half-written, and every import and removal is in the audit log.
 */
import { X509Certificate } from 'node:crypto';
import type { VerificationReport } from '../../domain/licence-verification';
import { CaMaterial, createCertificateAuthority, issueOrganisationCertificate } from '../../pki/certificates';
import type { LicenceExport } from '../../pki/licence-document';
import { CERTIFICATE_VALIDITY, ZZ_AMR_SUBJECT } from '../support/pki-fixtures';
import { formPost, startTestPlatform, TestPlatform } from '../support/platform';
import { makeSeal, sealedLicence } from '../support/sm2-licences';

const PROVINCIAL = '山西省电子政务数字证书认证中心（测试）';
const PROVINCIAL_SM2 = '山西省电子印章系统（SM2 测试）';
let t: TestPlatform;
let provincialCa: CaMaterial;
let provincialSm2Ca: CaMaterial;
let foreign: LicenceExport;
let foreignSm2: LicenceExport;

function sealedUnder(ca: CaMaterial, algorithm: 'rsa' | 'sm2'): LicenceExport {
  const cert = issueOrganisationCertificate(ca, ZZ_AMR_SUBJECT, CERTIFICATE_VALIDITY, undefined, algorithm);
  return sealedLicence(cert, makeSeal(cert, ca));
}

beforeAll(async () => {
  t = await startTestPlatform({ runWorker: false });
  provincialCa = createCertificateAuthority(PROVINCIAL, CERTIFICATE_VALIDITY.notBefore);
  provincialSm2Ca = createCertificateAuthority(PROVINCIAL_SM2, CERTIFICATE_VALIDITY.notBefore, 20, 'sm2');
  foreign = sealedUnder(provincialCa, 'rsa');
  foreignSm2 = sealedUnder(provincialSm2Ca, 'sm2');
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

const anchor = (name: string, ca: CaMaterial, kind = 'provincial_ca') => ({
  name,
  kind,
  certificatePem: ca.certificatePem,
});
const verify = async (document: LicenceExport) => {
  const res = await t.call<VerificationReport>('POST', '/api/verify', { body: { document } });
  expect(res.status).toBe(200);
  return res.body;
};
const outcome = (r: VerificationReport) => [r.indication, r.subIndication];
const check = (r: VerificationReport, id: string) => r.checks.find((c) => c.id === id)!;
const stored = async () =>
  (await t.em().fork().execute<Array<{ n: string }>>('select count(*) as n from trust_anchor'))[0]!.n;
const audited = () =>
  t
    .em()
    .fork()
    .execute<Array<{ action: string; outcome: string; actor_username: string; target_id: string | null }>>(
      `select action, outcome, actor_username, target_id from audit_event where target_type = 'trust_anchor' order by id`,
    );

describe('trust list administered (issue 20 Build 3)', () => {
  it('bad anchors are a 400 naming the field, a county administrator is refused, and nothing is stored', async () => {
    const organisationCert = issueOrganisationCertificate(provincialCa, ZZ_AMR_SUBJECT, CERTIFICATE_VALIDITY);
    const notBase64 = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const good = anchor(PROVINCIAL, provincialCa);
    const cases: Array<[unknown, string]> = [
      [{ anchors: [{ ...good, certificatePem: '这不是证书' }] }, 'anchors.0.certificatePem'],
      [{ anchors: [good, { ...good, certificatePem: notBase64 }] }, 'anchors.1.certificatePem'],
      [
        { anchors: [{ ...good, certificatePem: organisationCert.certificatePem }] },
        'anchors.0.certificatePem',
      ],
      [{ anchors: [{ ...good, kind: 'national_ca' }] }, 'anchors.0.kind'],
      [{ anchors: [{ ...good, name: '' }] }, 'anchors.0.name'],
      [{ anchors: [{ ...good, validFrom: '明天' }] }, 'anchors.0.validFrom'],
      [
        { anchors: [{ ...good, validFrom: '2030-01-01T00:00:00Z', validTo: '2029-01-01T00:00:00Z' }] },
        'anchors.0.validTo',
      ],
      [{ anchors: [good, good] }, 'anchors.1.certificatePem'],
      [{ anchors: [] }, 'anchors'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/api/trust-anchors', { as: 'jc-admin', body });
      expect([res.status, res.body.error.details.map((p: { field: string }) => p.field)]).toEqual([
        400,
        [field],
      ]);
      expect(res.body.error.message).toMatch(/[\u4e00-\u9fa5]/);
    }
    const county = await t.call('POST', '/api/trust-anchors', { as: 'zz-admin', body: { anchors: [good] } });
    expect(county.status).toBe(403);
    const clerk = await t.call('GET', '/api/trust-anchors', { as: 'zz-amr-clerk' });
    expect(clerk.status).toBe(403);
    expect((await t.call('GET', '/api/trust-anchors')).status).toBe(401);
    expect(await stored()).toBe('0');
    const rows = await audited();
    expect(rows.filter((r) => r.outcome === 'rejected')).toHaveLength(cases.length);
    expect(rows.filter((r) => r.outcome === 'denied').map((r) => r.actor_username)).toEqual(['zz-admin']);
  });

  it('a seal made under an imported anchor verifies PASSED naming it; removed, NO_CERTIFICATE_CHAIN_FOUND', async () => {
    expect(outcome(await verify(foreign))).toEqual(['INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND']);
    expect(outcome(await verify(foreignSm2))).toEqual(['INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND']);

    const imported = await t.call('POST', '/api/trust-anchors', {
      as: 'jc-admin',
      body: {
        anchors: [
          anchor(PROVINCIAL, provincialCa),
          anchor(PROVINCIAL_SM2, provincialSm2Ca, 'regional_seal_platform'),
        ],
      },
    });
    expect(imported.status).toBe(201);
    const [rsaAnchor, sm2Anchor] = imported.body.items as Array<{
      id: string;
      validFrom: string;
      validTo: string;
    }>;
    // Without a trust period given, the certificate's own validity.
    const own = new X509Certificate(provincialCa.certificatePem);
    expect([rsaAnchor!.validFrom, rsaAnchor!.validTo]).toEqual(
      [own.validFrom, own.validTo].map((d) => new Date(d).toISOString()),
    );

    const passed = await verify(foreign);
    expect(outcome(passed)).toEqual(['PASSED', null]);
    expect(check(passed, 'CERTIFICATE_CHAIN').detail).toContain(`信任列表中的“${PROVINCIAL}”`);
    // Another platform's licence: this platform's registry is not asked.
    expect(check(passed, 'REGISTRY')).toMatchObject({ passed: null });
    expect(check(passed, 'REGISTRY').detail).toContain(PROVINCIAL);
    const sm2 = await verify(foreignSm2);
    expect(outcome(sm2)).toEqual(['PASSED', null]);
    expect(check(sm2, 'CERTIFICATE_CHAIN').detail).toContain(PROVINCIAL_SM2);

    const again = await t.call('POST', '/api/trust-anchors', {
      as: 'jc-admin',
      body: { anchors: [anchor('重复导入', provincialCa)] },
    });
    expect(again.status).toBe(409);
    const listed = await t.call('GET', '/api/trust-anchors', { as: 'jc-auditor' });
    expect(listed.body.items.map((a: { name: string }) => a.name).sort()).toEqual(
      [PROVINCIAL, PROVINCIAL_SM2].sort(),
    );
    const page = await t.call<string>('GET', '/trust-anchors', { as: 'jc-admin' });
    expect([page.status, page.body.includes(PROVINCIAL), page.body.includes('导入信任锚')]).toEqual([
      200,
      true,
      true,
    ]);

    expect((await t.call('DELETE', `/api/trust-anchors/${rsaAnchor!.id}`, { as: 'zz-admin' })).status).toBe(
      403,
    );
    const removed = await t.call('DELETE', `/api/trust-anchors/${rsaAnchor!.id}`, { as: 'jc-admin' });
    expect([removed.status, removed.body.removedBy]).toEqual([200, 'jc-admin']);
    expect(outcome(await verify(foreign))).toEqual(['INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND']);
    expect(outcome(await verify(foreignSm2))).toEqual(['PASSED', null]);
    expect((await t.call('DELETE', `/api/trust-anchors/${rsaAnchor!.id}`, { as: 'jc-admin' })).status).toBe(
      404,
    );

    const history = await t.call('GET', '/api/trust-anchors?removed=true', { as: 'jc-admin' });
    const removedIds = history.body.items
      .filter((a: { removedAt: string | null }) => a.removedAt !== null)
      .map((a: { id: string }) => a.id);
    expect([history.body.items.length, removedIds]).toEqual([2, [rsaAnchor!.id]]);
    const changes = (await audited()).filter((r) => r.outcome === 'success');
    expect(changes.map((r) => [r.action, r.target_id, r.actor_username])).toEqual([
      ['trust_anchor.import', rsaAnchor!.id, 'jc-admin'],
      ['trust_anchor.import', sm2Anchor!.id, 'jc-admin'],
      ['trust_anchor.remove', rsaAnchor!.id, 'jc-admin'],
    ]);
  });

  it('the page’s forms import and remove an anchor, each going 303 back to the list; a refusal shows in Chinese', async () => {
    const ca = createCertificateAuthority('邻市电子印章系统（页面测试）', CERTIFICATE_VALIDITY.notBefore);
    const post = (path: string, fields: Array<[string, string]>) =>
      t.call<string>('POST', path, { as: 'jc-admin', ...formPost(fields) });
    const before = await stored();
    const refused = await post('/trust-anchors', [
      ['name', '邻市电子印章系统'],
      ['kind', 'regional_seal_platform'],
      ['certificatePem', 'x'],
    ]);
    const api = await t.call('POST', '/api/trust-anchors', {
      as: 'jc-admin',
      body: {
        anchors: [{ name: '邻市电子印章系统', kind: 'regional_seal_platform', certificatePem: 'x\n' }],
      },
    });
    expect([refused.status, api.status]).toEqual([400, 400]);
    expect(refused.body).toContain(api.body.error.message);
    expect(await stored()).toBe(before);

    const imported = await post('/trust-anchors', [
      ['name', '邻市电子印章系统'],
      ['kind', 'regional_seal_platform'],
      ['certificatePem', ca.certificatePem.replace(/\n/g, '\r\n')],
    ]);
    expect([imported.status, imported.headers.get('location')]).toEqual([303, '/trust-anchors']);
    const listed = await t.call('GET', '/api/trust-anchors', { as: 'jc-admin' });
    const added = listed.body.items.find((a: { name: string }) => a.name === '邻市电子印章系统');
    expect(added).toMatchObject({ kind: 'regional_seal_platform', importedBy: 'jc-admin' });

    const removed = await post(`/trust-anchors/${added.id}/remove`, []);
    expect([removed.status, removed.headers.get('location')]).toEqual([303, '/trust-anchors']);
    const after = await t.call('GET', '/api/trust-anchors', { as: 'jc-admin' });
    expect(after.body.items.map((a: { id: string }) => a.id)).not.toContain(added.id);
  });
});
