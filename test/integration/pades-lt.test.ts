/**
 * Issue 18 Build 2 (PAdES B-LT) and Build 1's batch mode, on the real platform (API, Temporal with the signing
 * worker, PostgreSQL), checked by tools this project did not write:
 * - the organisation certificate the platform issues names its CRL (distribution point) and OCSP responder (AIA):
 *   OpenSSL reads both addresses from the certificate and gets the platform's CRL and a "good" OCSP answer there;
 * - a stamped PDF embeds the validation data (DSS: certificates, the OCSP response, the CRL), and pyHanko validates
 *   it from that data alone (nothing fetched, revocation checking hard-fail) at the signature's timestamp — still
 *   after the certificate is revoked, while pdfsig, which asks the certificate's OCSP address online, then says
 *   revoked;
 * - a batch of N PDFs under one authorisation consumes N uses, each output validates, the N+1th is refused.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppUser, CertificateAuthority, OrganisationCertificate, Seal } from '../../db/entities';
import { OrganisationCertificateRequest } from '../../db/certificate-entities';
import { SealUseAuthorisation } from '../../db/seal-use-entities';
import { createSigningActivities } from '../../activities/signing';
import { CA_ID } from '../../usecases/certificate-store';
import { TEST_PKI_MASTER_KEY } from '../support/env';
import { pdfsig, pyhanko, pyhankoLtv } from '../support/pades-validators';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';
import { contractPdf, grant, sha256 } from '../support/stamping';

const run = promisify(execFile);

let t: TestPlatform;
let caPem: string;
let certificatePem: string;
let certificateId: string;
let sealId: string;

async function post(
  route: string,
  files: Array<[string, Buffer, string]>,
  fields: Record<string, string>,
): Promise<{ status: number; body: Buffer; json: any; headers: Headers }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [field, pdf, name] of files)
    form.append(field, new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), name);
  const res = await fetch(`${t.url}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await t.token('gp-amr-clerk')}` },
    body: form,
  });
  const body = Buffer.from(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.includes('json') ? JSON.parse(body.toString('utf8')) : null;
  return { status: res.status, body, json, headers: res.headers };
}

const PLACE = { page: '1', xMm: '150', yMm: '230' };

beforeAll(async () => {
  // PUBLIC_URL is this platform's own address, so the addresses in its certificates reach it.
  t = await startTestPlatform({ reachablePublicUrl: true });
  const em = t.em();
  caPem = (await em.findOneOrFail(CertificateAuthority, { id: CA_ID })).certificatePem;
  // A certificate application for 高平市市场监督管理局, approved, carried out by the signing worker's activity.
  const requestId = randomUUID();
  await em.insert(OrganisationCertificateRequest, {
    id: requestId,
    organisationId: 'gp-amr',
    applicantId: (await em.findOneOrFail(AppUser, { username: 'gp-amr-clerk' })).id,
    processKind: 'certificate_application',
    action: 'apply',
    reason: '申请单位证书',
    status: 'approved',
    workflowId: `certificate-request-${requestId}`,
    approvalWorkflowId: `approval-certificate_application-${requestId}`,
    createdAt: new Date(),
  });
  const signing = createSigningActivities({
    orm: t.platform.orm,
    pkiMasterKey: TEST_PKI_MASTER_KEY,
    publicUrl: t.workerEnv.PUBLIC_URL!,
  });
  certificateId = (await signing.carryOutCertificateRequest({ requestId })).certificateId!;
  // The seeded certificate steps aside, so that the new seal binds to the new one.
  await em.nativeUpdate(
    OrganisationCertificate,
    { organisationId: 'gp-amr', id: { $ne: certificateId } },
    { revokedAt: new Date(Date.now() - 60_000) },
  );
  certificatePem = (await em.findOneOrFail(OrganisationCertificate, { id: certificateId })).certificatePem;
  sealId = await makeTestSeal(t, 'business', '高平市市场监督管理局合同专用章', 'gp-amr', 'gp-amr-clerk');
  const seal = await em.findOneOrFail(Seal, { id: sealId }, { exclude: ['imprint'] });
  expect(seal.certificateId).toBe(certificateId);
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

describe('issue 18 Build 2: certificates name the platform’s CRL and OCSP addresses', () => {
  it('OpenSSL reads the CRL distribution point and the OCSP address, and both answer there', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-cert-'));
    const [caFile, certFile, reqFile, respFile, crlFile] = ['ca.pem', 'org.pem', 'req', 'resp', 'crl'].map(
      (f) => path.join(dir, f),
    );
    writeFileSync(caFile!, caPem);
    writeFileSync(certFile!, certificatePem);
    const { stdout: text } = await run('openssl', ['x509', '-in', certFile!, '-noout', '-text']);
    expect(text).toContain('X509v3 CRL Distribution Points');
    expect(text).toContain(`URI:${t.url}/api/pki/crl`);
    expect(text).toContain(`OCSP - URI:${t.url}/api/pki/ocsp`);

    const { stdout: ocspUri } = await run('openssl', ['x509', '-in', certFile!, '-noout', '-ocsp_uri']);
    const ocsp = await run('openssl', [
      'ocsp',
      ...['-issuer', caFile!, '-cert', certFile!, '-url', ocspUri.trim(), '-CAfile', caFile!],
      ...['-reqout', reqFile!, '-respout', respFile!],
    ]);
    expect(ocsp.stdout).toContain(': good');
    expect(ocsp.stderr).toContain('Response verify OK');

    const crlUrl = /URI:(\S+\/api\/pki\/crl)/.exec(text)![1]!;
    writeFileSync(crlFile!, Buffer.from(await (await fetch(crlUrl)).arrayBuffer()));
    const crl = await run('openssl', [
      'crl',
      '-inform',
      'DER',
      '-in',
      crlFile!,
      '-CAfile',
      caFile!,
      '-noout',
    ]);
    expect(crl.stderr).toContain('verify OK');
    expect(readFileSync(crlFile!).length).toBeGreaterThan(0);
  });
});

describe('issue 18 Build 2: a stamped PDF carries its validation data (PAdES B-LT)', () => {
  let stamped: Buffer;

  beforeAll(async () => {
    const original = await contractPdf('Supply contract No. 2026-LT-1');
    const res = await post(`/api/seals/${sealId}/stamp`, [['document', original, '供货合同.pdf']], {
      authorisationId: await grant(t, sealId, 'gp-amr-clerk', original),
      ...PLACE,
    });
    expect(res.status).toBe(201);
    stamped = res.body;
  }, 60_000);

  it('the DSS holds the certificates, the OCSP response and the CRL; pdfsig and pyHanko accept the signature', async () => {
    expect(stamped.includes('/DSS')).toBe(true);
    const [bySig] = await pdfsig(stamped, caPem, { ocsp: true });
    expect(bySig).toMatchObject({
      signatureValidation: 'Signature is Valid.',
      certificateValidation: 'Certificate is Trusted.',
      totalDocumentSigned: true,
    });
    const [byHanko] = await pyhanko(stamped, caPem);
    expect(byHanko).toMatchObject({ intact: true, valid: true, trusted: true, coverage: 'ENTIRE_FILE' });
  });

  it('pyHanko validates it from the embedded data alone at its timestamp, also after the certificate is revoked', async () => {
    const report = await pyhankoLtv(stamped, caPem);
    // Organisation, CA and timestamp authority certificates; one OCSP response; one CRL.
    expect(report.dss).toEqual({ certs: 3, ocsps: 1, crls: 1 });
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]).toMatchObject({
      intact: true,
      valid: true,
      trusted: true,
      timestampTrusted: true,
      bottomLine: true,
    });
    expect(report.signatures[0]!.validatedAt).not.toBeNull();

    // Revoked after signing: pdfsig asks the certificate's OCSP address (the platform) now and says revoked …
    await t.em().nativeUpdate(OrganisationCertificate, { id: certificateId }, { revokedAt: new Date() });
    try {
      const [bySig] = await pdfsig(stamped, caPem, { ocsp: true });
      expect(bySig!.certificateValidation).toBe('Certificate has been Revoked.');
      // … while the data embedded at signing still shows it valid when the signature was made.
      const later = await pyhankoLtv(stamped, caPem);
      expect(later.signatures[0]).toMatchObject({
        intact: true,
        valid: true,
        trusted: true,
        bottomLine: true,
      });
    } finally {
      await t.em().nativeUpdate(OrganisationCertificate, { id: certificateId }, { revokedAt: null });
    }
  }, 60_000);

  it('the control: without the DSS’s data the same hard-fail validation cannot establish trust', async () => {
    const [signature] = (await pyhankoLtv(stamped, caPem)).signatures;
    expect(signature!.trustedWithoutDss).toBe(false);
  });
});

describe('issue 18 Build 1: batch stamping under one authorisation, one use each (SM-12)', () => {
  const N = 3;

  it(`${N} documents consume ${N} uses and each output validates; the ${N + 1}th is refused`, async () => {
    const pdfs = await Promise.all(
      Array.from({ length: N + 1 }, (_, i) => contractPdf(`Batch notice No. 2026-B-${i + 1}`)),
    );
    // The authorisation names all N + 1 documents but grants N uses.
    const authorisationId = await grant(t, sealId, 'gp-amr-clerk', pdfs, N);
    const batch = await post(
      `/api/seals/${sealId}/stamp-batch`,
      pdfs.slice(0, N).map((pdf, i) => ['documents', pdf, `通知-${i + 1}.pdf`] as [string, Buffer, string]),
      { authorisationId, ...PLACE },
    );
    expect(batch.status).toBe(201);
    expect(batch.json.remainingUses).toBe(0);
    expect(batch.json.documents).toHaveLength(N);
    expect((await t.em().findOneOrFail(SealUseAuthorisation, { id: authorisationId })).usedCount).toBe(N);

    for (const [i, document] of (batch.json.documents as Array<Record<string, string>>).entries()) {
      expect(document.documentHash).toBe(sha256(pdfs[i]!));
      const res = await fetch(`${t.url}${document.pdfUrl}`, {
        headers: { authorization: `Bearer ${await t.token('gp-amr-clerk')}` },
      });
      const pdf = Buffer.from(await res.arrayBuffer());
      expect(sha256(pdf)).toBe(document.stampedSha256);
      const [bySig] = await pdfsig(pdf, caPem, { ocsp: true });
      expect(bySig).toMatchObject({
        signatureValidation: 'Signature is Valid.',
        certificateValidation: 'Certificate is Trusted.',
      });
      const [byHanko] = await pyhanko(pdf, caPem);
      expect(byHanko).toMatchObject({ intact: true, valid: true, trusted: true, bottomLine: true });
      expect((await pyhankoLtv(pdf, caPem)).signatures[0]).toMatchObject({ bottomLine: true });
    }

    const last = await post(
      `/api/seals/${sealId}/stamp-batch`,
      [['documents', pdfs[N]!, `通知-${N + 1}.pdf`]],
      { authorisationId, ...PLACE },
    );
    expect(last.status).toBe(409);
    expect(last.json.error.details.reason).toBe('AUTHORISATION_USED_UP');
    const single = await post(`/api/seals/${sealId}/stamp`, [['document', pdfs[N]!, `通知-${N + 1}.pdf`]], {
      authorisationId,
      ...PLACE,
    });
    expect(single.status).toBe(409);
    expect((await t.em().findOneOrFail(SealUseAuthorisation, { id: authorisationId })).usedCount).toBe(N);
  }, 120_000);

  it('a batch larger than the uses left, or with one document not authorised, is refused whole: nothing used', async () => {
    const pdfs = await Promise.all([1, 2, 3].map((i) => contractPdf(`Batch memo No. ${i}`)));
    const twoUses = await grant(t, sealId, 'gp-amr-clerk', pdfs, 2);
    const tooMany = await post(
      `/api/seals/${sealId}/stamp-batch`,
      pdfs.map((pdf, i) => ['documents', pdf, `备忘-${i + 1}.pdf`] as [string, Buffer, string]),
      { authorisationId: twoUses, ...PLACE },
    );
    expect(tooMany.status).toBe(409);
    expect(tooMany.json.error.details.reason).toBe('AUTHORISATION_USED_UP');

    const stranger = await contractPdf('Not authorised');
    const mixed = await post(
      `/api/seals/${sealId}/stamp-batch`,
      [
        ['documents', pdfs[0]!, '备忘-1.pdf'],
        ['documents', stranger, '其他文件.pdf'],
      ],
      { authorisationId: twoUses, ...PLACE },
    );
    expect(mixed.status).toBe(422);
    expect(mixed.json.error.details.reason).toBe('DOCUMENT_NOT_AUTHORISED');
    expect(mixed.json.error.message).toContain('第 2 份文件');
    expect((await t.em().findOneOrFail(SealUseAuthorisation, { id: twoUses })).usedCount).toBe(0);

    const notPdf = await post(
      `/api/seals/${sealId}/stamp-batch`,
      [
        ['documents', pdfs[0]!, '备忘-1.pdf'],
        ['documents', Buffer.from('%PDF-1.7 but not really'), '坏文件.pdf'],
      ],
      {
        authorisationId: await grant(
          t,
          sealId,
          'gp-amr-clerk',
          [pdfs[0]!, Buffer.from('%PDF-1.7 but not really')],
          2,
        ),
        ...PLACE,
      },
    );
    expect(notPdf.status).toBe(400);
    expect(JSON.stringify(notPdf.json.error)).toContain('documents[1]');

    const none = await post(`/api/seals/${sealId}/stamp-batch`, [], { authorisationId: twoUses, ...PLACE });
    expect(none.status).toBe(400);
    expect(JSON.stringify(none.json.error)).toContain('documents');
    expect((await t.em().findOneOrFail(SealUseAuthorisation, { id: twoUses })).usedCount).toBe(0);
  }, 60_000);
});
