/**
 * Issue 18 Build 3 (SM-11): verifying stamped PDFs on the public `POST /api/verify/pdf` (no login) and detached
 * seal-signature records on `POST /api/verify/signature`, against the real platform (API, Temporal with the signing
 * worker, PostgreSQL). Each verdict is checked against two validators this project did not write (poppler's pdfsig
 * and pyHanko, the platform CA as their only trust root): the same verdict on a good stamp, two stamps, one byte
 * changed and a stamp made before the seal's cancellation.
 */
import { CertificateAuthority, Seal } from '../../db/entities';
import { changeSealStatus } from '../../usecases/seal-status';
import { CA_ID } from '../../usecases/certificate-store';
import { pdfsig, pyhanko, withOneByteChanged } from '../support/pades-validators';
import { startTestPlatform, TestPlatform } from '../support/platform';
import { makeTestSeal } from '../support/seals';
import { contractPdf, grant, MEDIA_BOX_MARKER, sha256, stampPdf } from '../support/stamping';

let t: TestPlatform;
let caPem: string;
let zzSeal: string;
let gpSeal: string;

async function verifyPdf(pdf: Buffer, contentType = 'application/pdf') {
  const res = await fetch(`${t.url}/api/verify/pdf`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(pdf),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function stamped(sealId: string, as: string, pdf: Buffer, xMm = '150'): Promise<Buffer> {
  const res = await stampPdf(t, as, sealId, pdf, {
    authorisationId: await grant(t, sealId, as, pdf),
    page: '1',
    xMm,
    yMm: '230',
  });
  expect(res.status).toBe(201);
  return res.pdf;
}

beforeAll(async () => {
  t = await startTestPlatform();
  zzSeal = await makeTestSeal(t, 'business', '泽州县市场监督管理局合同专用章');
  gpSeal = await makeTestSeal(t, 'business', '高平市市场监督管理局合同专用章', 'gp-amr', 'gp-amr-clerk');
  caPem = (await t.em().findOneOrFail(CertificateAuthority, { id: CA_ID })).certificatePem;
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

describe('issue 18 Build 3 (SM-11): POST /api/verify/pdf, the same verdicts as pdfsig and pyHanko', () => {
  let good: Buffer;
  let signedAt: number;

  beforeAll(async () => {
    signedAt = Date.now();
    good = await stamped(zzSeal, 'zz-amr-clerk', await contractPdf('Contract to verify No. 1'));
  }, 60_000);

  it('a good stamp: PASSED, with the seal, organisation, timestamp, coverage and status at signing and now', async () => {
    const res = await verifyPdf(good); // no login: the verification is public
    expect(res.status).toBe(200);
    const seal = await t.em().findOneOrFail(Seal, { id: zzSeal }, { exclude: ['imprint'] });
    expect(res.body).toMatchObject({
      indication: 'PASSED',
      indicationLabel: '核验通过',
      documentSha256: sha256(good),
    });
    expect(res.body.signatures).toHaveLength(1);
    const [s] = res.body.signatures;
    expect(s).toMatchObject({
      indication: 'PASSED',
      subIndication: null,
      seal: { esId: seal.esId, name: '泽州县市场监督管理局合同专用章', kindLabel: '业务专用章' },
      organisation: '泽州县市场监督管理局',
      signingTimeTimestamped: true,
      timestamp: { valid: true },
      coverage: 'ENTIRE_FILE',
      statusAtSigning: { status: 'active', label: '有效' },
      statusNow: { status: 'active', label: '有效' },
    });
    expect(Math.abs(Date.parse(s.timestamp.time) - signedAt)).toBeLessThan(60_000);
    expect(s.checks.map((c: any) => [c.id, c.passed])).toEqual([
      ['FORMAT', true],
      ['DATA_HASH', true],
      ['COVERAGE', true],
      ['SIGNATURE', true],
      ['CERTIFICATE_CHAIN', true],
      ['SEAL_BINDING', true],
      ['TIMESTAMP', true],
      ['VALID_AT_SIGNING_TIME', true],
      ['SEAL_STATUS', true],
    ]);
    const [bySig] = await pdfsig(good, caPem);
    expect(bySig).toMatchObject({ signatureValidation: 'Signature is Valid.', totalDocumentSigned: true });
    const [byHanko] = await pyhanko(good, caPem);
    expect(byHanko).toMatchObject({ bottomLine: true, coverage: 'ENTIRE_FILE' });
  });

  it('one byte changed: FAILED/HASH_FAILURE, as pdfsig (Digest Mismatch) and pyHanko (not intact) say', async () => {
    const tampered = withOneByteChanged(good, MEDIA_BOX_MARKER);
    const res = await verifyPdf(tampered);
    expect(res.status).toBe(200);
    expect(res.body.indication).toBe('FAILED');
    expect(res.body.signatures[0]).toMatchObject({
      indication: 'FAILED',
      subIndication: 'HASH_FAILURE',
      explanation: expect.stringContaining('签章后被修改'),
    });
    const [bySig] = await pdfsig(tampered, caPem);
    expect(bySig!.signatureValidation).toBe('Digest Mismatch.');
    const [byHanko] = await pyhanko(tampered, caPem);
    expect(byHanko).toMatchObject({ intact: false, bottomLine: false });
  });

  it('two stamps (a seal per party): both PASSED, the first covering its revision with only a signature added', async () => {
    const first = await stamped(zzSeal, 'zz-amr-clerk', await contractPdf('Agreement to verify'), '60');
    const both = await stamped(gpSeal, 'gp-amr-clerk', first, '150');
    const res = await verifyPdf(both);
    expect(res.body.indication).toBe('PASSED');
    expect(res.body.signatures.map((s: any) => [s.indication, s.coverage, s.organisation])).toEqual([
      ['PASSED', 'SIGNATURES_ADDED', '泽州县市场监督管理局'],
      ['PASSED', 'ENTIRE_FILE', '高平市市场监督管理局'],
    ]);
    const byHanko = await pyhanko(both, caPem);
    expect(byHanko.map((s) => [s.bottomLine, s.coverage, s.modificationLevel])).toEqual([
      [true, 'ENTIRE_REVISION', 'FORM_FILLING'],
      [true, 'ENTIRE_FILE', 'NONE'],
    ]);
    const bySig = await pdfsig(both, caPem);
    expect(bySig.map((s) => s.signatureValidation)).toEqual(['Signature is Valid.', 'Signature is Valid.']);
  }, 90_000);

  it('a stamp after the seal’s cancellation is refused; one made before: PASSED, 有效 at signing and 已注销 now', async () => {
    const sealId = await makeTestSeal(t, 'business', '泽州县市场监督管理局公告专用章');
    const before = await stamped(sealId, 'zz-amr-clerk', await contractPdf('Notice to verify'));
    const later = await contractPdf('Notice after cancellation');
    const authorisationId = await grant(t, sealId, 'zz-amr-clerk', later);
    const detachedDocument = await contractPdf('Detached record before cancellation');
    const detached = await t.call('POST', `/api/seals/${sealId}/sign`, {
      as: 'zz-amr-clerk',
      body: {
        authorisationId: await grant(t, sealId, 'zz-amr-clerk', detachedDocument),
        documentHash: sha256(detachedDocument),
      },
    });
    expect(detached.status).toBe(201);
    // The signing time is stated in whole seconds, and a cancellation within that second counts against the
    // signature (test/unit/pades-verify.test.ts): the cancellation here comes in a later second, as it would.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 50));
    await t.em().transactional((tx) =>
      changeSealStatus(tx, {
        sealId,
        event: 'cancelled',
        reason: '机构合并，印章注销',
        effectiveAt: new Date(),
        actor: { userId: null, username: 'test', roles: [], organisationId: null },
        eventKey: `seal.cancelled:test-${sealId}`,
      }),
    );
    const refused = await stampPdf(t, 'zz-amr-clerk', sealId, later, {
      authorisationId,
      page: '1',
      xMm: '100',
      yMm: '100',
    });
    expect(refused.status).toBe(422);
    expect(refused.json.error.details.reason).toBe('SEAL_NOT_ACTIVE');

    const res = await verifyPdf(before);
    expect(res.body.signatures[0]).toMatchObject({
      indication: 'PASSED',
      statusAtSigning: { status: 'active', label: '有效' },
      statusNow: { status: 'cancelled', label: '已注销' },
    });
    // A detached record made before: the platform's stored copy, found by seal, signing time and document hash,
    // is its proof of existence (without it: INDETERMINATE/REVOKED_NO_POE).
    const record = await t.call('POST', '/api/verify/signature', {
      body: { signature: detached.body.signature, documentSha256: sha256(detachedDocument) },
    });
    expect(record.body.signatures[0]).toMatchObject({
      indication: 'PASSED',
      statusNow: { status: 'cancelled' },
    });
    const [byHanko] = await pyhanko(before, caPem);
    expect(byHanko).toMatchObject({ intact: true, valid: true, trusted: true, bottomLine: true });
    const [bySig] = await pdfsig(before, caPem);
    expect(bySig).toMatchObject({ signatureValidation: 'Signature is Valid.' });
  }, 90_000);

  it('multipart with the file as `document` works too', async () => {
    const form = new FormData();
    form.append('document', new Blob([new Uint8Array(good)], { type: 'application/pdf' }), 'a.pdf');
    const res = await fetch(`${t.url}/api/verify/pdf`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).indication).toBe('PASSED');
  });

  it('bad input is 400 in Chinese naming the problem: not a PDF, no signature, too large, nothing sent', async () => {
    const notPdf = await verifyPdf(Buffer.from('这不是 PDF'));
    expect(notPdf.status).toBe(400);
    expect(notPdf.body.error.details).toEqual([
      expect.objectContaining({ field: 'document', rule: 'pdf', message: '文件不是 PDF 文档' }),
    ]);
    const unsigned = await verifyPdf(await contractPdf('Unsigned'));
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.error.details[0]).toMatchObject({ field: 'document', rule: 'signature' });
    expect(unsigned.body.error.details[0].message).toContain('没有电子签章');
    const large = await verifyPdf(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(10 * 1024 * 1024)]));
    expect(large.status).toBe(400);
    expect(large.body.error.details[0]).toMatchObject({ field: 'document', rule: 'max_size' });
    expect(large.body.error.details[0].message).toContain('10 MB');
    const empty = await verifyPdf(Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0]).toMatchObject({ field: 'document', rule: 'required' });
  });
});

describe('issue 18 Build 3 (SM-11): POST /api/verify/signature, a detached record and its document', () => {
  it('PASSED for the document it covers; FAILED/HASH_FAILURE for another; FAILED for an edited record', async () => {
    const document = await contractPdf('Detached signature');
    const authorisationId = await grant(t, zzSeal, 'zz-amr-clerk', document);
    const signed = await t.call('POST', `/api/seals/${zzSeal}/sign`, {
      as: 'zz-amr-clerk',
      body: { authorisationId, documentHash: sha256(document) },
    });
    expect(signed.status).toBe(201);
    const signature = signed.body.signature;

    const ok = await t.call('POST', '/api/verify/signature', {
      body: { signature, document: document.toString('base64') },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.signatures[0]).toMatchObject({
      indication: 'PASSED',
      organisation: '泽州县市场监督管理局',
      statusAtSigning: { label: '有效' },
      statusNow: { label: '有效' },
    });
    const byHash = await t.call('POST', '/api/verify/signature', {
      body: { signature, documentSha256: sha256(document) },
    });
    expect(byHash.body.indication).toBe('PASSED');

    const other = await t.call('POST', '/api/verify/signature', {
      body: { signature, documentSha256: sha256(Buffer.from('another document')) },
    });
    expect(other.body.signatures[0]).toMatchObject({ indication: 'FAILED', subIndication: 'HASH_FAILURE' });
    const value: string = signature.signatureValue;
    const flipped = (value.startsWith('A') ? 'B' : 'A') + value.slice(1);
    const edited = await t.call('POST', '/api/verify/signature', {
      body: { signature: { ...signature, signatureValue: flipped }, documentSha256: sha256(document) },
    });
    expect(edited.body.signatures[0]).toMatchObject({
      indication: 'FAILED',
      subIndication: 'SIG_CRYPTO_FAILURE',
    });
  }, 60_000);

  it('bad bodies are 400 naming the field', async () => {
    const none = await t.call('POST', '/api/verify/signature', { body: { signature: {} } });
    expect(none.status).toBe(400);
    expect(JSON.stringify(none.body.error.details)).toContain('document');
    const noRecord = await t.call('POST', '/api/verify/signature', {
      body: { documentSha256: 'a'.repeat(64) },
    });
    expect(noRecord.status).toBe(400);
    expect(JSON.stringify(noRecord.body.error.details)).toContain('signature');
    const badHash = await t.call('POST', '/api/verify/signature', {
      body: { signature: {}, documentSha256: 'xyz' },
    });
    expect(badHash.status).toBe(400);
    expect(JSON.stringify(badHash.body.error.details)).toContain('documentSha256');
  });
});
