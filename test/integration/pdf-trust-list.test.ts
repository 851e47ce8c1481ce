/**
 * Issue 20 Build 3 (SM-3, WP-(二)1 mutual recognition) for stamped PDFs, on the real platform (API, PostgreSQL): a
 * PDF stamped with another region's seal — its CA, organisation certificate, seal (made by that CA) and timestamp
 * authority made here, stamped with the platform's own PAdES code — is INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND
 * until a city administrator puts that CA on the trust list; then PASSED, the report and the page naming the anchor
 * and not asking this platform's seal register; withdrawn, not trusted again. pyHanko and poppler's pdfsig, with the
 * foreign CA as their root, agree the signature is intact; with the platform's CA alone pyHanko does not trust it.
 */
import { createHash } from 'node:crypto';
import { sealInformation } from '../../domain/document-stamp';
import { usccCheckChar } from '../../domain/uscc';
import { CertificateAuthority } from '../../db/entities';
import {
  CaMaterial,
  createCertificateAuthority,
  issueOrganisationCertificate,
  issueServiceCertificate,
} from '../../pki/certificates';
import { buildCadesSignedData } from '../../pki/cms';
import { preparePdfStamp, signatureBytesFor, signPreparedPdf } from '../../pki/pades';
import { buildSealInfo, signSealInfo } from '../../pki/seal-maker';
import { signWithSeal } from '../../pki/seal-signer';
import { timestampToken } from '../../pki/tsa';
import { CA_ID } from '../../usecases/certificate-store';
import { pdfsig, pyhanko } from '../support/pades-validators';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { contractPdf, sha256 } from '../support/stamping';

const FOREIGN_CA = '长治市电子印章平台（测试）';
const ORGANISATION = '长治市市场监督管理局';
// A 1×1 red PNG.
const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

let t: TestPlatform;
let platformCaPem: string;
let foreignCa: CaMaterial;
let stamped: Buffer;
let detached: { signature: unknown; documentSha256: string };

/** Another region's seal and a PDF it stamped (with its own timestamp authority), as its platform would. */
async function foreignStamp(now: Date) {
  const validity = {
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 3e10),
  };
  foreignCa = createCertificateAuthority(FOREIGN_CA, validity.notBefore);
  const first17 = '11140400MB0123456';
  const org = issueOrganisationCertificate(
    foreignCa,
    { name: ORGANISATION, uscc: first17 + usccCheckChar(first17), province: '山西省', locality: '长治市' },
    validity,
  );
  const tsa = issueServiceCertificate(foreignCa, '长治市时间戳服务（测试）', validity, 'timeStamping');
  const sealInfo = buildSealInfo({
    esId: '140400202600000009',
    kind: 'business',
    name: `${ORGANISATION}合同专用章`,
    certificatePem: org.certificatePem,
    ...validity,
    imprintMediaType: 'image/png',
    imprint: PNG_1PX,
    widthMm: 42,
    heightMm: 42,
    now,
  });
  const seal = {
    id: 'changzhi-seal-1',
    esId: sealInfo.esId,
    name: sealInfo.property.name,
    kind: 'business' as const,
    sealInfo,
    makerSignature: signSealInfo(sealInfo, foreignCa.certificatePem, foreignCa.privateKeyPem),
  };
  const pdf = await contractPdf('Contract stamped in another region');
  const info = sealInformation(seal, 'changzhi-auth-1');
  const prepared = await preparePdfStamp(
    pdf,
    { page: 0, xMm: 100, yMm: 100 },
    {
      png: PNG_1PX,
      widthMm: 42,
      heightMm: 42,
      signerName: seal.name,
      reason: '合同盖章',
      signingTime: now,
      signatureBytes: signatureBytesFor(info),
    },
  );
  stamped = await signPreparedPdf(prepared, async (digest) =>
    buildCadesSignedData({
      messageDigest: digest,
      signerCertificatePem: org.certificatePem,
      signerPrivateKeyPem: org.privateKeyPem,
      chainPems: [foreignCa.certificatePem],
      sealInformation: info,
      timestamp: (value) =>
        timestampToken(
          { ...tsa, chainPems: [foreignCa.certificatePem] },
          createHash('sha256').update(value).digest(),
          now,
        ),
    }),
  );
  const signature = signWithSeal({
    seal,
    certificatePem: org.certificatePem,
    privateKeyPem: org.privateKeyPem,
    signingTime: now,
    documentHash: sha256(pdf),
    documentTitle: '合同',
    authorisationId: 'changzhi-auth-1',
  });
  detached = { signature, documentSha256: sha256(pdf) };
}

beforeAll(async () => {
  t = await startTestPlatform({ runWorker: false });
  platformCaPem = (await t.em().findOneOrFail(CertificateAuthority, { id: CA_ID })).certificatePem;
  await foreignStamp(new Date());
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

async function verifyPdf() {
  const res = await fetch(`${t.url}/api/verify/pdf`, {
    method: 'POST',
    headers: { 'content-type': 'application/pdf' },
    body: new Uint8Array(stamped),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).signatures[0];
}
const outcome = (s: any) => [s.indication, s.subIndication];
const check = (s: any, id: string) => s.checks.find((c: { id: string }) => c.id === id);

describe('issue 20 Build 3: a PDF stamped under an anchor of the trust list', () => {
  it('not trusted → NO_CERTIFICATE_CHAIN_FOUND; the anchor added → PASSED naming it; withdrawn → not trusted', async () => {
    const untrusted = await verifyPdf();
    expect(outcome(untrusted)).toEqual(['INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND']);
    expect([check(untrusted, 'CERTIFICATE_CHAIN').passed, untrusted.trustAnchor]).toEqual([false, null]);
    expect(untrusted.organisation).toBe(ORGANISATION);

    const imported = await t.call('POST', '/api/trust-anchors', {
      as: 'jc-admin',
      body: {
        anchors: [
          { name: FOREIGN_CA, kind: 'regional_seal_platform', certificatePem: foreignCa.certificatePem },
        ],
      },
    });
    expect(imported.status).toBe(201);
    const anchorId = imported.body.items[0].id as string;

    const trusted = await verifyPdf();
    expect(outcome(trusted)).toEqual(['PASSED', null]);
    expect(trusted.trustAnchor).toEqual({
      id: anchorId,
      name: FOREIGN_CA,
      kind: 'regional_seal_platform',
      kindLabel: '外地区电子印章平台',
    });
    expect(check(trusted, 'CERTIFICATE_CHAIN')).toMatchObject({
      passed: true,
      detail: `由信任列表中的“${FOREIGN_CA}”（外地区电子印章平台）签发`,
    });
    // The seal was made by the anchor; its timestamp authority is the anchor's; the seal is not in this register.
    expect(check(trusted, 'SEAL_BINDING').passed).toBe(true);
    expect([trusted.signingTimeTimestamped, trusted.timestamp.valid]).toEqual([true, true]);
    expect(check(trusted, 'SEAL_STATUS')).toMatchObject({ passed: null });
    expect(check(trusted, 'SEAL_STATUS').detail).toContain('不在本平台登记');

    const form = new FormData();
    form.append('document', new Blob([new Uint8Array(stamped)], { type: 'application/pdf' }), 'a.pdf');
    const page = await fetch(`${t.url}/verify/pdf`, { method: 'POST', body: form });
    const html = await page.text();
    expect([page.status, html.includes('data-indication="PASSED"')]).toEqual([200, true]);
    expect(html).toContain(`信任列表：${FOREIGN_CA}（外地区电子印章平台）`);

    const record = await t.call('POST', '/api/verify/signature', { body: detached });
    expect([record.status, ...outcome(record.body.signatures[0])]).toEqual([200, 'PASSED', null]);
    expect(record.body.signatures[0].trustAnchor).toMatchObject({ id: anchorId, name: FOREIGN_CA });

    expect((await t.call('DELETE', `/api/trust-anchors/${anchorId}`, { as: 'jc-admin' })).status).toBe(200);
    const withdrawn = await verifyPdf();
    expect(outcome(withdrawn)).toEqual(['INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND']);
    expect(withdrawn.trustAnchor).toBeNull();
    const recordAfter = await t.call('POST', '/api/verify/signature', { body: detached });
    expect(outcome(recordAfter.body.signatures[0])).toEqual(['INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND']);
  });

  it('pyHanko and pdfsig, rooted at the foreign CA, find the signature intact and trusted; at the platform CA, not trusted', async () => {
    const [byHanko] = await pyhanko(stamped, foreignCa.certificatePem);
    expect(byHanko).toMatchObject({ intact: true, valid: true, trusted: true, bottomLine: true });
    expect(byHanko!.coverage).toBe('ENTIRE_FILE');
    expect(byHanko!.timestamp).toMatchObject({ intact: true, valid: true, trusted: true });
    const [bySig] = await pdfsig(stamped, foreignCa.certificatePem);
    expect(bySig).toMatchObject({ signatureValidation: 'Signature is Valid.', totalDocumentSigned: true });
    expect(bySig!.certificateValidation).toBe('Certificate is Trusted.');
    const [untrusted] = await pyhanko(stamped, platformCaPem);
    expect(untrusted).toMatchObject({ intact: true, valid: true, trusted: false, bottomLine: false });
  }, 60_000);
});
