/**
 * Issue 18 Build 1 (SM-9, SM-11, SM-12): stamping a PDF under an approved seal-use authorisation through
 * `POST /api/seals/:id/stamp`, against the real platform (API, Temporal with the signing worker, PostgreSQL), and
 * the stamped PDF checked by two validators this project did not write — poppler's pdfsig (NSS database trusting
 * the platform CA) and pyHanko (the platform CA as its only trust root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AuditEvent,
  CertificateAuthority,
  Organisation,
  OrganisationCertificate,
  Seal,
} from '../../db/entities';
import { SealSignatureRecord, SealUseAuthorisation } from '../../db/seal-use-entities';
import { CA_ID } from '../../usecases/certificate-store';
import { pdfFirstPagePng } from '../support/documents';
import { pdfsig, pyhanko, withOneByteChanged } from '../support/pades-validators';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';
import { contractPdf, grant, imprintOnPage, MEDIA_BOX_MARKER, sha256 } from '../support/stamping';

let t: TestPlatform;
let caPem: string;
let zzSeal: string;
let gpSeal: string;

async function stamp(
  as: string,
  sealId: string,
  pdf: Buffer,
  fields: Record<string, string>,
): Promise<{ status: number; pdf: Buffer; json: any; headers: Headers }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('document', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), '政府采购合同.pdf');
  const res = await fetch(`${t.url}/api/seals/${sealId}/stamp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await t.token(as)}` },
    body: form,
  });
  const body = Buffer.from(await res.arrayBuffer());
  const isJson = res.headers.get('content-type')?.includes('json');
  return {
    status: res.status,
    pdf: body,
    json: isJson ? JSON.parse(body.toString('utf8')) : null,
    headers: res.headers,
  };
}

beforeAll(async () => {
  t = await startTestPlatform();
  zzSeal = await makeTestSeal(t, 'business', '泽州县市场监督管理局合同专用章');
  const gp = await t.em().findOneOrFail(Organisation, { id: 'gp-amr' });
  gpSeal = await makeTestSeal(t, 'business', `${gp.name}合同专用章`, 'gp-amr', 'gp-amr-clerk');
  caPem = (await t.em().findOneOrFail(CertificateAuthority, { id: CA_ID })).certificatePem;
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

describe('issue 18 Build 1: a stamped PDF that independent validators accept (SM-9, SM-12)', () => {
  let original: Buffer;
  let stamped: Buffer;
  let stampedAt: Date;
  let stampedHeaders: Headers;
  let authorisationId: string;

  beforeAll(async () => {
    original = await contractPdf('Government procurement contract No. 2026-118');
    authorisationId = await grant(t, zzSeal, 'zz-amr-clerk', original);
    stampedAt = new Date();
    const res = await stamp('zz-amr-clerk', zzSeal, original, {
      authorisationId,
      page: '1',
      xMm: '150',
      yMm: '230',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toContain('application/pdf');
    expect(res.headers.get('x-document-sha256')).toBe(sha256(original));
    stamped = res.pdf;
    stampedHeaders = res.headers;
  }, 60_000);

  it('keeps the original bytes (an incremental update) and records the use under the PDF’s own hash', async () => {
    expect(stamped.subarray(0, original.length).equals(original)).toBe(true);
    const records = await t
      .em()
      .find(SealSignatureRecord, { sealId: zzSeal, documentHash: sha256(original) });
    expect(records).toHaveLength(1);
    const audit = await t
      .em()
      .find(AuditEvent, { action: 'seal.sign', targetId: zzSeal, outcome: 'success' });
    expect(audit.map((a) => a.details.signatureId)).toContain(records[0]!.id);
  });

  it('pdfsig: the signature is valid, the CA trusted and the whole document signed', async () => {
    const [signature, ...others] = await pdfsig(stamped, caPem);
    expect(others).toHaveLength(0);
    expect(signature).toMatchObject({
      signer: '泽州县市场监督管理局',
      signatureValidation: 'Signature is Valid.',
      certificateValidation: 'Certificate is Trusted.',
      totalDocumentSigned: true,
    });
  });

  it('pyHanko: a PAdES signature (ETSI.CAdES.detached), intact, valid and trusted with the platform CA as root', async () => {
    const [signature, ...others] = await pyhanko(stamped, caPem);
    expect(others).toHaveLength(0);
    expect(signature).toMatchObject({
      subFilter: '/ETSI.CAdES.detached',
      intact: true,
      valid: true,
      trusted: true,
      coverage: 'ENTIRE_FILE',
      bottomLine: true,
    });
    expect(signature!.signer).toContain('泽州县市场监督管理局');
  });

  it('Build 2: pyHanko validates its RFC 3161 timestamp from the platform timestamp authority (PAdES B-T)', async () => {
    const [signature] = await pyhanko(stamped, caPem);
    expect(signature!.timestamp).toMatchObject({ intact: true, valid: true, trusted: true });
    const time = new Date(signature!.timestamp!.time).getTime();
    expect(Math.abs(time - stampedAt.getTime())).toBeLessThan(60_000);
  });

  it('one byte changed after signing is reported by both validators', async () => {
    const tampered = withOneByteChanged(stamped, MEDIA_BOX_MARKER);
    expect(tampered.equals(stamped)).toBe(false);
    const [bySig] = await pdfsig(tampered, caPem);
    expect(bySig!.signatureValidation).toBe('Digest Mismatch.');
    const [byHanko] = await pyhanko(tampered, caPem);
    expect(byHanko).toMatchObject({ intact: false, bottomLine: false });
  });

  it('Build 4 (SM-13): the stamped PDF is archived with its authorisation; another unit gets 403', async () => {
    const id = stampedHeaders.get('x-stamped-document-id')!;
    expect(stampedHeaders.get('location')).toBe(`/api/stamped-documents/${id}`);
    const record = await t.call('GET', `/api/stamped-documents/${id}`, { as: 'zz-amr-leader' });
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({
      sealId: zzSeal,
      organisationId: 'zz-amr',
      originalSha256: sha256(original),
      stampedSha256: sha256(stamped),
      authorisation: {
        id: authorisationId,
        documents: [{ title: '政府采购合同', sha256: sha256(original) }],
      },
    });
    const pdf = await fetch(`${t.url}/api/stamped-documents/${id}/pdf`, {
      headers: { authorization: `Bearer ${await t.token('zz-amr-leader')}` },
    });
    expect(Buffer.from(await pdf.arrayBuffer()).equals(stamped)).toBe(true);

    const foreign = await t.call('GET', `/api/stamped-documents/${id}`, { as: 'gp-amr-clerk' });
    expect(foreign.status).toBe(403);
    const foreignPdf = await t.call('GET', `/api/stamped-documents/${id}/pdf`, { as: 'gp-amr-clerk' });
    expect(foreignPdf.status).toBe(403);
    const denials = await t
      .em()
      .find(AuditEvent, { outcome: 'denied', targetId: `/api/stamped-documents/${id}` });
    expect(denials).toHaveLength(1);
    expect(
      await t.em().count(AuditEvent, { action: 'document.stamp', targetId: id, outcome: 'success' }),
    ).toBe(1);
  });

  it('the rendered page shows the imprint centred where it was placed, at its size in millimetres', async () => {
    const imprint = imprintOnPage(await pdfFirstPagePng(stamped), 150);
    expect(imprint).not.toBeNull();
    expect(imprint!.xMm).toBeCloseTo(150, 0);
    expect(imprint!.yMm).toBeCloseTo(230, 0);
    // The test imprint's ring spans about 40 of its 42 mm.
    expect(imprint!.widthMm).toBeGreaterThan(36);
    expect(imprint!.widthMm).toBeLessThan(43);
  });
});

describe('issue 18 Build 1: several stamps on one document (a seal per party)', () => {
  it('a second party’s stamp on the stamped PDF keeps the first signature valid: both validate', async () => {
    const original = await contractPdf('Cooperation agreement No. 2026-207');
    const first = await stamp('zz-amr-clerk', zzSeal, original, {
      authorisationId: await grant(t, zzSeal, 'zz-amr-clerk', original),
      page: '2',
      xMm: '60',
      yMm: '240',
    });
    expect(first.status).toBe(201);
    // The second party is authorised for the document as the first party stamped it.
    const second = await stamp('gp-amr-clerk', gpSeal, first.pdf, {
      authorisationId: await grant(t, gpSeal, 'gp-amr-clerk', first.pdf),
      page: '2',
      xMm: '150',
      yMm: '240',
    });
    expect(second.status).toBe(201);
    expect(second.pdf.subarray(0, first.pdf.length).equals(first.pdf)).toBe(true);

    const bySig = await pdfsig(second.pdf, caPem);
    expect(bySig.map((s) => [s.signatureValidation, s.certificateValidation, s.totalDocumentSigned])).toEqual(
      [
        ['Signature is Valid.', 'Certificate is Trusted.', false],
        ['Signature is Valid.', 'Certificate is Trusted.', true],
      ],
    );
    const byHanko = await pyhanko(second.pdf, caPem);
    expect(byHanko.map((s) => [s.intact, s.valid, s.trusted, s.bottomLine, s.coverage])).toEqual([
      [true, true, true, true, 'ENTIRE_REVISION'],
      [true, true, true, true, 'ENTIRE_FILE'],
    ]);
    // The later revision only added a signature field: form filling, which keeps the first signature's document.
    expect(byHanko[0]!.modificationLevel).toBe('FORM_FILLING');
  }, 60_000);
});

describe('issue 18 Build 1: refusals (SM-12)', () => {
  it('a stamp after the seal’s cancellation is refused; a PDF stamped before still validates', async () => {
    const em = t.em();
    const gp = await em.findOneOrFail(Organisation, { id: 'gp-amr' });
    const sealId = await makeTestSeal(t, 'business', `${gp.name}公章专用章`, 'gp-amr', 'gp-amr-clerk');
    const before = await contractPdf('Notice No. 2026-31');
    const stampedBefore = await stamp('gp-amr-clerk', sealId, before, {
      authorisationId: await grant(t, sealId, 'gp-amr-clerk', before),
      page: '1',
      xMm: '100',
      yMm: '100',
    });
    expect(stampedBefore.status).toBe(201);
    const after = await contractPdf('Notice No. 2026-32');
    const authorisationId = await grant(t, sealId, 'gp-amr-clerk', after);

    await em.nativeUpdate(Seal, { id: sealId }, { status: 'cancelled' });
    const refused = await stamp('gp-amr-clerk', sealId, after, {
      authorisationId,
      page: '1',
      xMm: '100',
      yMm: '100',
    });
    expect(refused.status).toBe(422);
    expect(refused.json.error.details.reason).toBe('SEAL_NOT_ACTIVE');
    expect(await em.count(SealSignatureRecord, { authorisationId })).toBe(0);

    const [bySig] = await pdfsig(stampedBefore.pdf, caPem);
    expect(bySig).toMatchObject({
      signatureValidation: 'Signature is Valid.',
      certificateValidation: 'Certificate is Trusted.',
    });
    const [byHanko] = await pyhanko(stampedBefore.pdf, caPem);
    expect(byHanko).toMatchObject({ intact: true, valid: true, trusted: true, bottomLine: true });
  }, 60_000);

  it('a PDF other than the authorised one is refused (the hash is the platform’s own), and nothing is used', async () => {
    const authorised = await contractPdf('Lease No. 7');
    const authorisationId = await grant(t, zzSeal, 'zz-amr-clerk', authorised);
    const other = await contractPdf('Lease No. 8');
    const res = await stamp('zz-amr-clerk', zzSeal, other, {
      authorisationId,
      page: '1',
      xMm: '100',
      yMm: '100',
    });
    expect(res.status).toBe(422);
    expect(res.json.error.details.reason).toBe('DOCUMENT_NOT_AUTHORISED');
    expect((await t.em().findOneOrFail(SealUseAuthorisation, { id: authorisationId })).usedCount).toBe(0);
  });

  it('another unit’s seal is 403; bad input is 400 naming the field', async () => {
    const pdf = await contractPdf('Memo');
    const authorisationId = await grant(t, zzSeal, 'zz-amr-clerk', pdf);
    const foreign = await stamp('gp-amr-clerk', zzSeal, pdf, {
      authorisationId,
      page: '1',
      xMm: '10',
      yMm: '10',
    });
    expect(foreign.status).toBe(403);
    expect(foreign.json.error.details.reason).toBe('NOT_SEAL_ORGANISATION');

    const noPage = await stamp('zz-amr-clerk', zzSeal, pdf, {
      authorisationId,
      page: '0',
      xMm: '10',
      yMm: '10',
    });
    expect(noPage.status).toBe(400);
    expect(JSON.stringify(noPage.json.error)).toContain('page');
    const pastEnd = await stamp('zz-amr-clerk', zzSeal, pdf, {
      authorisationId,
      page: '9',
      xMm: '10',
      yMm: '10',
    });
    expect(pastEnd.status).toBe(400);
    expect(pastEnd.json.error.message + JSON.stringify(pastEnd.json.error)).toContain('页码超出范围');
    const notPdf = await stamp('zz-amr-clerk', zzSeal, Buffer.from('not a pdf'), {
      authorisationId,
      page: '1',
      xMm: '10',
      yMm: '10',
    });
    expect(notPdf.status).toBe(400);
    expect(JSON.stringify(notPdf.json.error)).toContain('document');
    expect((await t.em().findOneOrFail(SealUseAuthorisation, { id: authorisationId })).usedCount).toBe(0);
  });
});

describe('issue 18 Build 2: certificate status published by the platform', () => {
  /** OpenSSL's OCSP request for `certPem`, sent to POST /api/pki/ocsp; the answer as OpenSSL reads and checks it. */
  async function ocsp(certPem: string): Promise<string> {
    const dir = mkdtempSync(path.join(tmpdir(), 'ocsp-'));
    const caFile = path.join(dir, 'ca.pem');
    const certFile = path.join(dir, 'cert.pem');
    writeFileSync(caFile, caPem);
    writeFileSync(certFile, certPem);
    const reqFile = path.join(dir, 'req.der');
    execFileSync('openssl', ['ocsp', '-issuer', caFile, '-cert', certFile, '-reqout', reqFile], {
      stdio: 'pipe',
    });
    const res = await fetch(`${t.url}/api/pki/ocsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: new Uint8Array(readFileSync(reqFile)),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/ocsp-response');
    const respFile = path.join(dir, 'resp.der');
    writeFileSync(respFile, Buffer.from(await res.arrayBuffer()));
    const checked = spawnSync(
      'openssl',
      ['ocsp', '-reqin', reqFile, '-respin', respFile, '-CAfile', caFile, '-resp_text'],
      { encoding: 'utf8' },
    );
    expect(checked.stderr).toContain('Response verify OK');
    return checked.stdout;
  }

  async function crlText(): Promise<string> {
    const res = await fetch(`${t.url}/api/pki/crl`);
    expect(res.status).toBe(200);
    const dir = mkdtempSync(path.join(tmpdir(), 'crl-'));
    writeFileSync(path.join(dir, 'ca.pem'), caPem);
    writeFileSync(path.join(dir, 'crl.der'), Buffer.from(await res.arrayBuffer()));
    const args = [
      'crl',
      '-inform',
      'DER',
      '-in',
      path.join(dir, 'crl.der'),
      '-CAfile',
      path.join(dir, 'ca.pem'),
    ];
    const checked = spawnSync('openssl', [...args, '-noout', '-text'], { encoding: 'utf8' });
    expect(checked.stderr).toContain('verify OK');
    return checked.stdout;
  }

  it('OCSP answers good, then revoked after the certificate is revoked; the CRL then lists it', async () => {
    const em = t.em();
    const seal = await em.findOneOrFail(Seal, { id: gpSeal }, { exclude: ['imprint'] });
    const certificate = await em.findOneOrFail(OrganisationCertificate, { id: seal.certificateId });
    expect(await ocsp(certificate.certificatePem)).toContain('Cert Status: good');
    expect(await crlText()).not.toContain(`Serial Number: ${certificate.serialNumber}`);

    await em.nativeUpdate(OrganisationCertificate, { id: certificate.id }, { revokedAt: new Date() });
    const revoked = await ocsp(certificate.certificatePem);
    expect(revoked).toContain('Cert Status: revoked');
    expect(revoked).toContain('Revocation Time');
    expect(await crlText()).toContain(`Serial Number: ${certificate.serialNumber}`);
  }, 60_000);

  it('a body that is not an OCSP request is 400', async () => {
    const res = await fetch(`${t.url}/api/pki/ocsp`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(res.status).toBe(400);
  });
});
