/**
 * Issue 11, builds 3 and 4, on a licence issued through the API and signed with 泽州县市场监督管理局's 证照专用章:
 *
 * - Purpose-bound signatures: the forgery of the review — whoever holds the standing licence-signing authorisation
 *   asks `POST /api/seals/:id/sign` for a signature over a fake licence's canonical hash under the licence title — is
 *   refused at signing (403 LICENCE_TITLE_RESERVED, audited, no use consumed); an export built from such a signature
 *   (made as the endpoint made it before, with the unit's own key and no purpose) verifies FAILED online and offline;
 *   an export whose seal name was edited verifies FAILED, and no report shows the edited name.
 * - Public pages that show what they should: `/verify/<identifier>` without the access code shows the status, type,
 *   issuer, the holder's masked name and the labels of the data items, never their values; with the code, the
 *   masked face; copies need the code, are audited, and past the configured limit from one address answer 429
 *   with Retry-After. The CA certificate downloads from `/ca.pem` and `/ca.der` and matches the fingerprint shown.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { AuditEvent, OrganisationCertificate, Seal } from '../../db/entities';
import { CertificateAuthority } from '../../db/entities';
import { SealSignatureRecord } from '../../db/seal-use-entities';
import { licenceSealDocumentTitle } from '../../domain/licence';
import { licenceIdentifier } from '../../domain/licence-identifier';
import { decryptPrivateKey } from '../../pki/key-encryption';
import { licenceDataHash, LicenceExport, licenceExport } from '../../pki/licence-document';
import { verifyLicenceDocument } from '../../pki/licence-verifier';
import { signWithSeal } from '../../pki/seal-signer';
import { CA_ID } from '../../usecases/certificate-store';
import { TEST_PKI_MASTER_KEY } from '../support/env';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  GrantedSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

// Low for the test, so that the copy past the limit is reached in a few requests.
const COPIES_PER_MINUTE = 5;

let t: TestPlatform;
let grant: GrantedSealUse;
let identifier: string;
let exported: LicenceExport;
let caCertificatePem: string;
const LEGAL_REPRESENTATIVE = '王志刚';
const REGISTERED_CAPITAL = '叁仟贰佰万元整';
const TITLE = `电子证照签发：营业执照（${BUSINESS_LICENCE_CODE}）`;

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const verify = (document: unknown) => t.call('POST', '/api/verify', { body: { document } });
const offline = (document: unknown) =>
  verifyLicenceDocument(clone(document), { caCertificatePem, now: new Date() });
const check = (report: { checks: Array<{ id: string; passed: boolean | null }> }, id: string) =>
  report.checks.find((c) => c.id === id)!;

beforeAll(async () => {
  t = await startTestPlatform({ env: { RATE_LIMIT_COPIES_PER_MINUTE: String(COPIES_PER_MINUTE) } });
  grant = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  const issued = await issueLicence(
    t,
    businessLicenceBody({
      data: { legalRepresentative: LEGAL_REPRESENTATIVE, registeredCapital: REGISTERED_CAPITAL },
    }),
  );
  identifier = issued.licence.identifier;
  const res = await t.call('GET', `/api/licenses/${identifier}/export`, { as: 'zz-amr-system' });
  expect(res.status).toBe(200);
  exported = res.body;
  caCertificatePem = (await t.em().findOneOrFail(CertificateAuthority, { id: CA_ID })).certificatePem;
});

afterAll(async () => {
  await t?.stop();
});

describe('purpose-bound licence signatures', () => {
  /** A licence the issuer never issued: another serial, a richer capital, another legal representative. */
  function fakeLicence(): LicenceExport['licence'] {
    const fake = clone(exported.licence);
    fake.metadata.identifier = licenceIdentifier({
      typeCode: fake.metadata.typeCode,
      issuerCode: fake.metadata.issuer.code,
      serial: '8888888',
      version: 1,
    });
    fake.data.registeredCapital = '玖亿元整';
    fake.data.legalRepresentative = '冒名者';
    return fake;
  }

  it('the issued licence carries a signed purpose: issuance, its identifier, its type and the seal kind', async () => {
    expect(exported.signature.purpose).toEqual({
      purpose: 'licence.issuance',
      identifier,
      typeCode: BUSINESS_LICENCE_CODE,
      sealKind: 'business',
    });
    expect(exported.signature.signedContent).toContain('"purpose":{');
    expect((await verify(exported)).body).toMatchObject({ indication: 'PASSED' });
    expect(await offline(exported)).toMatchObject({ indication: 'PASSED' });
  });

  it('the forgery: a signature over a fake licence’s hash under the licence title is refused at signing', async () => {
    const fake = fakeLicence();
    const hash = licenceDataHash(fake);
    const before = await t.call('GET', `/api/seal-use-authorisations?sealId=${grant.sealId}`, {
      as: grant.granteeUsername,
    });
    const usedBefore = (before.body.items as Array<{ id: string; usedCount: number }>).find(
      (a) => a.id === grant.authorisationId,
    )!.usedCount;

    for (const documentTitle of [TITLE, ` 电子证照签发 ：营业执照（${BUSINESS_LICENCE_CODE}）`]) {
      const res = await t.call('POST', `/api/seals/${grant.sealId}/sign`, {
        as: grant.granteeUsername,
        body: { authorisationId: grant.authorisationId, documentHash: hash, documentTitle },
      });
      expect(res.status).toBe(403);
      expect(res.body.error.details.reason).toBe('LICENCE_TITLE_RESERVED');
      expect(res.body.error.message).toContain('电子证照签发');
    }
    // Nothing signed, no use consumed, the refusals audited.
    expect(await t.em().count(SealSignatureRecord, { documentHash: hash })).toBe(0);
    const after = await t.call('GET', `/api/seal-use-authorisations?sealId=${grant.sealId}`, {
      as: grant.granteeUsername,
    });
    expect(
      (after.body.items as Array<{ id: string; usedCount: number }>).find(
        (a) => a.id === grant.authorisationId,
      )!.usedCount,
    ).toBe(usedBefore);
    const refusals = await t
      .em()
      .find(AuditEvent, { action: 'seal.sign', outcome: 'denied', targetId: grant.sealId });
    expect(
      refusals.filter((e) => (e.details as { code?: string }).code === 'LICENCE_TITLE_RESERVED').length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('an export built from such a signature verifies FAILED online and offline', async () => {
    // The signature the generic endpoint made before the fix: the unit's own seal and key, the real authorisation,
    // the licence title, the fake licence's canonical hash — and no licence purpose, which only issuance adds.
    const fake = fakeLicence();
    const em = t.em();
    const seal = await em.findOneOrFail(Seal, { id: grant.sealId });
    const certificate = await em.findOneOrFail(OrganisationCertificate, { id: seal.certificateId });
    const signature = signWithSeal({
      seal,
      certificatePem: certificate.certificatePem,
      privateKeyPem: decryptPrivateKey(certificate.privateKeyEncrypted, TEST_PKI_MASTER_KEY),
      signingTime: new Date(),
      documentHash: licenceDataHash(fake),
      documentTitle: licenceSealDocumentTitle({ name: '营业执照', code: BUSINESS_LICENCE_CODE }),
      authorisationId: grant.authorisationId,
    });
    const forged = licenceExport({ metadata: fake.metadata, data: fake.data, signature });

    const off = await offline(forged);
    expect([off.indication, off.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    // The cryptography holds — it is the issuer's real key — but the signature is not a licence signature.
    for (const id of [
      'DATA_HASH',
      'SIGNED_CONTENT',
      'SIGNATURE',
      'CERTIFICATE_CHAIN',
      'SEAL_BINDING',
      'ISSUER_MATCH',
    ])
      expect([id, check(off, id).passed]).toEqual([id, true]);
    expect(check(off, 'PURPOSE').passed).toBe(false);

    const on = await verify(forged);
    expect(on.status).toBe(200);
    expect([on.body.indication, on.body.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    expect(check(on.body, 'PURPOSE').passed).toBe(false);

    // The same signature moved onto the genuine licence's identifier fails as well.
    const reused = licenceExport({
      metadata: { ...fake.metadata, identifier },
      data: fake.data,
      signature,
    });
    expect((await verify(reused)).body.indication).toBe('FAILED');
  });

  it('an export whose seal name was edited verifies FAILED, and the edited name is shown nowhere', async () => {
    const renamed = clone(exported);
    renamed.signature.seal.name = '晋城市人民政府';
    const on = await verify(renamed);
    expect([on.body.indication, on.body.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    expect(check(on.body, 'SEAL_BINDING').passed).toBe(false);
    expect(on.body.signature.sealName).toBe('泽州县市场监督管理局证照专用章');
    expect(JSON.stringify(on.body)).not.toContain('晋城市人民政府');
    const off = await offline(renamed);
    expect([off.indication, off.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);

    // Edited inside the seal info instead, the CA's seal-maker signature no longer holds.
    const inside = clone(exported);
    inside.signature.seal.sealInfo.property.name = '晋城市人民政府';
    inside.signature.seal.name = '晋城市人民政府';
    expect((await verify(inside)).body.indication).toBe('FAILED');
    expect((await offline(inside)).indication).toBe('FAILED');
  });
});

describe('public pages that show what they should', () => {
  let code: string;
  beforeAll(async () => {
    const view = await t.call('GET', `/api/licenses/${identifier}`, { as: 'zz-amr-system' });
    code = view.body.accessCode as string;
    expect(code).toMatch(/^[0-9A-Z]{10}$/);
  });

  it('/verify/<identifier> without the access code: status, type, issuer, masked holder and the labels, no values', async () => {
    for (const query of ['', '?code=WRONGCODE1']) {
      const res = await fetch(`${t.url}/verify/${identifier}${query}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toMatch(/data-indication="PASSED"/);
      expect(html).toContain('营业执照');
      expect(html).toContain('泽州县市场监督管理局');
      expect(html).toContain('有效'); // the status
      expect(html).toContain('id="data-item-labels"');
      expect(html).toContain('法定代表人'); // a label …
      expect(html).toContain('注册资本');
      expect(html).not.toContain(LEGAL_REPRESENTATIVE); // … never a value, not even masked
      expect(html).not.toContain('王**');
      expect(html).not.toContain(REGISTERED_CAPITAL);
      expect(html).not.toContain('class="licence-face');
      expect(html).not.toContain('/copy');
      if (query) expect(html).toContain('id="wrong-code"');
    }
  });

  it('with the access code: the masked face and the copy links', async () => {
    // Handlebars writes `=` in attributes as &#x3D;, which browsers read back as `=`.
    const html = (
      await (await fetch(`${t.url}/verify/${identifier}?code=${code.toLowerCase()}`)).text()
    ).replaceAll('&#x3D;', '=');
    expect(html).toContain('class="licence-face');
    expect(html).toContain('王**');
    expect(html).not.toContain(LEGAL_REPRESENTATIVE);
    expect(html).toContain(`href="/verify/${identifier}/copy.pdf?code=${code}"`);
  });

  it('copies need the access code and are audited', async () => {
    const ip = { 'X-Request-Id': `copy-${Date.now()}` };
    const without = await fetch(`${t.url}/verify/${identifier}/copy`, { headers: ip });
    expect(without.status).toBe(403);
    expect(await without.text()).not.toContain(REGISTERED_CAPITAL);
    const wrong = await fetch(`${t.url}/verify/${identifier}/copy.pdf?code=WRONGCODE1`);
    expect(wrong.status).toBe(403);
    const html = await fetch(`${t.url}/verify/${identifier}/copy?code=${code}`, { headers: ip });
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('视同复印件');

    const events = await t.em().find(AuditEvent, { action: 'licence.copy', targetId: identifier });
    expect(events.filter((e) => e.outcome === 'denied').length).toBeGreaterThanOrEqual(2);
    expect(events.find((e) => e.outcome === 'success')).toMatchObject({
      actorUsername: 'anonymous',
      details: expect.objectContaining({ format: 'html' }),
    });
  });

  it('past the configured copy limit, one address gets 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i <= COPIES_PER_MINUTE; i++) {
      last = await fetch(`${t.url}/verify/${identifier}/copy?code=${code}`);
      statuses.push(last.status);
      await last.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(COPIES_PER_MINUTE);
    expect(statuses.at(-1)).toBe(429);
    const retryAfter = Number(last!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('the CA certificate downloads from its public URL (PEM and DER) and matches the fingerprint shown', async () => {
    const page = await (await fetch(`${t.url}/verify/${identifier}`)).text();
    const shown = /data-ca-fingerprint="([0-9A-F:]+)"/.exec(page)![1]!;
    expect(shown).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(await (await fetch(`${t.url}/verify`)).text()).toContain(shown);

    const pem = await fetch(`${t.url}/ca.pem`);
    expect(pem.status).toBe(200);
    const pemText = await pem.text();
    expect(pemText).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(new X509Certificate(pemText).fingerprint256).toBe(shown);
    expect(new X509Certificate(pemText).raw.equals(new X509Certificate(caCertificatePem).raw)).toBe(true);

    const der = await fetch(`${t.url}/ca.der`);
    expect(der.status).toBe(200);
    expect(der.headers.get('content-type')).toMatch(/^application\/pkix-cert/);
    const bytes = Buffer.from(await der.arrayBuffer());
    const digest = createHash('sha256').update(bytes).digest('hex').toUpperCase().match(/../g)!.join(':');
    expect(digest).toBe(shown);
  });
});
