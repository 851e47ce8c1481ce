/**
 * Issue 19 (LM-10, Build 1): conversion batches signed in worker threads and written as COPY text. The threads'
 * output is byte for byte what one thread gives (rows in order, consecutive serials, ids from job and row); the
 * COPY fields read back to signature records that verify against the CA; a thread's failure reaches the caller
 * and the pool goes on; a closed pool refuses work.
 */
import { catalogueSample, catalogueSeed, LICENCE_TYPE_NAMES } from '../../db/licence-catalogue-seed';
import type { ConvertibleRow } from '../../domain/licence-conversion';
import { LicenceTypeDefinition } from '../../domain/licence-type-schema';
import { SealSignature, splitSignatureRecord } from '../../domain/seal-signature';
import type { SealInfo } from '../../domain/seal';
import { createCertificateAuthority, issueOrganisationCertificate } from '../../pki/certificates';
import { signSealInfo } from '../../pki/seal-maker';
import { signatureMaterial, signWithSeal, verifySealSignature } from '../../pki/seal-signer';
import { licenceDataHash } from '../../pki/licence-document';
import type { LicenceMetadata } from '../../domain/licence';
import { ConversionSigningPool } from '../../usecases/conversion-signing-pool';
import {
  ConversionSigningInput,
  conversionRowIds,
  signConvertedRows,
} from '../../usecases/licence-conversion-signing';
import { copyField } from '../../db/copy';
import { CERTIFICATE_VALIDITY, SIGNING_TIME, ZZ_AMR_SUBJECT } from '../support/pki-fixtures';

jest.setTimeout(60_000);

const business = LicenceTypeDefinition.parse(
  catalogueSeed().find((d) => d.name === LICENCE_TYPE_NAMES.businessLicence),
);
const sample = catalogueSample(LICENCE_TYPE_NAMES.businessLicence);
const ca = createCertificateAuthority('山西省电子政务数字证书认证中心', CERTIFICATE_VALIDITY.notBefore);
const certificate = issueOrganisationCertificate(ca, ZZ_AMR_SUBJECT, CERTIFICATE_VALIDITY);
const der = certificate.certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
const sealInfo: SealInfo = {
  header: { id: 'ES', version: 4, vid: 'jincheng-eseal-platform' },
  esId: '140525202600000001',
  property: {
    type: 1,
    kind: 'legal_name',
    name: ZZ_AMR_SUBJECT.name,
    certListType: 1,
    certList: [der],
    createDate: '2026-01-10T02:15:30.000Z',
    validStart: certificate.notBefore.toISOString(),
    validEnd: certificate.notAfter.toISOString(),
  },
  picture: { type: 'svg', data: Buffer.from('<svg/>').toString('base64'), widthMm: 42, heightMm: 42 },
};

function input(rowCount: number, privateKeyPem = certificate.privateKeyPem): ConversionSigningInput {
  const rows: ConvertibleRow[] = Array.from({ length: rowCount }, (_, i) => ({
    rowNumber: i + 2,
    licenceNumber: `晋泽工商-${i + 1}`,
    holder: { name: `晋城市转换测试${i + 1}有限公司`, code: '91140525MA0K3P7Q0B', codeType: '001' },
    issueDate: '2014-03-09',
    validFrom: '2014-03-09',
    validTo: i % 2 === 0 ? null : '2034-03-08',
    // A tab, a newline and a backslash in a cell: COPY's text format must escape them.
    data: { ...sample, address: `泽州县\t金村镇\n${i}号\\甲` },
  }));
  const seal = {
    id: 'seal-1',
    esId: sealInfo.esId,
    name: ZZ_AMR_SUBJECT.name,
    kind: 'legal_name' as const,
    sealInfo,
    makerSignature: signSealInfo(sealInfo, ca.certificatePem, ca.privateKeyPem),
  };
  return {
    context: {
      jobId: 'job-1',
      authorisationId: 'auth-1',
      now: SIGNING_TIME.toISOString(),
      type: { id: 'type-1', version: 1, definition: business },
      issuer: { id: 'zz-amr', name: ZZ_AMR_SUBJECT.name, uscc: ZZ_AMR_SUBJECT.uscc },
      seal,
      certificatePem: certificate.certificatePem,
      privateKeyPem,
      signatureMaterialId: signatureMaterial({ seal, certificatePem: certificate.certificatePem }).id,
      documentTitle: '电子证照签发（存量转换）：营业执照',
      signerUserId: 'user-1',
      exchangeEvent: 'licence.issued',
    },
    rows,
    firstSerial: 41,
  };
}

/** COPY text back to fields (the inverse of copyField). */
const readCopy = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) =>
      line
        .split('\t')
        .map((f) =>
          f === '\\N' ? null : f.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c),
        ),
    );

let pool: ConversionSigningPool;
beforeAll(() => {
  pool = new ConversionSigningPool(2);
});
afterAll(() => pool.close());

it('escapes what COPY text reads specially, and writes null as \\N', () => {
  expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
  expect(copyField(null)).toBe('\\N');
  expect(readCopy(`${copyField('a\\b\tc\nd')}\t${copyField(null)}\n`)).toEqual([['a\\b\tc\nd', null]]);
});

it('signs a batch in the threads exactly as one thread does, rows in order with consecutive serials', async () => {
  const batch = input(9);
  const signed = await pool.sign(batch);
  // Each thread's slice comes back as bytes of its own, in row order.
  expect(signed.licences).toHaveLength(2);
  const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString('utf8');
  const threaded = {
    count: signed.count,
    signatures: text(signed.signatures),
    licences: text(signed.licences),
    outbox: text(signed.outbox),
  };
  expect(threaded).toEqual(signConvertedRows(batch));
  expect(threaded.count).toBe(9);

  const licences = readCopy(threaded.licences);
  const signatures = readCopy(threaded.signatures);
  const outbox = readCopy(threaded.outbox);
  expect([licences.length, signatures.length, outbox.length]).toEqual([9, 9, 9]);
  expect(licences.map((l) => Number(l[9]))).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49]);
  expect(licences.map((l) => l[12])).toEqual(batch.rows.map((r) => r.licenceNumber));
  expect(licences.map((l) => l[21])).toEqual(batch.rows.map((r) => r.validTo));
  expect(licences.every((l) => l.length === 33)).toBe(true);
  const { id: materialId, material } = signatureMaterial(batch.context);
  for (const [i, licence] of licences.entries()) {
    // The licence's signature is its signature record, stored there only: the signing's row names the licence
    // (issue 19); the outbox message names the licence. The record leaves out the seal and certificate, which the
    // row names by their material's id; put back, the record verifies.
    const compact = JSON.parse(licence[24]!) as Record<string, unknown>;
    expect(compact).not.toHaveProperty('seal');
    expect(compact).not.toHaveProperty('signerCertificate');
    expect(licence[25]).toBe(materialId);
    const record = { ...compact, ...material } as SealSignature;
    expect(signatures[i]![0]).toBe(licence[26]);
    expect(signatures[i]![7]).toBe(licence[0]);
    expect(signatures[i]).toHaveLength(9);
    expect(outbox[i]![1]).toBe(licence[0]);
    expect(JSON.parse(licence[18]!).address).toBe(batch.rows[i]!.data.address);
    expect(record.purpose?.identifier).toBe(licence[1]);
    expect(verifySealSignature(record, ca.certificatePem)).toMatchObject({ valid: true, problem: null });
  }
});

it('writes each row as serialising its whole metadata and record would (constant parts made once per slice)', () => {
  const batch = input(4);
  const { context: c } = batch;
  const licences = signConvertedRows(batch)
    .licences.split('\n')
    .slice(0, -1)
    .map((l) => l.split('\t'));
  for (const [i, row] of batch.rows.entries()) {
    const fields = licences[i]!;
    const metadata: LicenceMetadata = {
      name: business.name,
      typeCode: business.code,
      typeVersion: 1,
      identifier: fields[1]!,
      licenceNumber: row.licenceNumber,
      version: 1,
      previousIdentifier: null,
      issuer: { name: c.issuer.name, code: c.issuer.uscc },
      issueDate: row.issueDate,
      holder: row.holder,
      validFrom: row.validFrom,
      validTo: row.validTo,
      serviceItems: business.serviceItems,
    };
    const dataHash = licenceDataHash({ metadata, data: row.data });
    const record = signWithSeal({
      seal: c.seal,
      certificatePem: c.certificatePem,
      privateKeyPem: c.privateKeyPem,
      signingTime: new Date(c.now),
      documentHash: dataHash,
      documentTitle: c.documentTitle,
      authorisationId: c.authorisationId,
      purpose: {
        purpose: 'licence.issuance',
        identifier: fields[1]!,
        typeCode: business.code,
        sealKind: business.sealKind,
      },
    });
    // RSA PKCS#1 v1.5 signatures are deterministic: the whole record text is comparable, byte for byte; the row
    // stores it without its material, which puts back gives the whole record.
    const { compact, material } = splitSignatureRecord(record);
    expect([fields[17], fields[23], fields[24], fields[25]]).toEqual([
      copyField(JSON.stringify(metadata)),
      dataHash,
      copyField(JSON.stringify(compact)),
      signatureMaterial(c).id,
    ]);
    expect({ ...compact, ...material }).toEqual(record);
    expect(material).toEqual(signatureMaterial(c).material);
  }
});

it('names each row by job, kind and row: stable, rising with the row within a job, apart between jobs and kinds', () => {
  const rows = [2, 3, 15, 16, 17, 255, 256, 4_095, 4_096, 1_000_001];
  const conversionRowId = (kind: 'licence' | 'signature' | 'outbox', jobId: string, row: number) =>
    conversionRowIds(jobId)(kind, row);
  const ids = rows.map((row) => conversionRowId('licence', 'job-1', row));
  // Rising text (the database's C collation and a JS sort agree on hex digits): inserts at each index's right edge.
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(rows.map((row) => conversionRowId('licence', 'job-1', row))).toEqual(ids);
  expect(conversionRowId('licence', 'job-2', 2)).not.toBe(ids[0]);
  expect(conversionRowId('signature', 'job-1', 2)).not.toBe(ids[0]);
  expect(conversionRowId('outbox', 'job-1', 2)).not.toBe(conversionRowId('signature', 'job-1', 2));
});

it("passes a thread's failure to the caller and goes on signing", async () => {
  await expect(pool.sign(input(3, 'not a key'))).rejects.toThrow();
  await expect(pool.sign(input(3))).resolves.toMatchObject({ count: 3 });
});

it('refuses work once closed', async () => {
  const closing = new ConversionSigningPool(1);
  await expect(closing.sign(input(1))).resolves.toMatchObject({ count: 1 });
  await closing.close();
  await expect(closing.sign(input(1))).rejects.toThrow('the signing threads are closed');
});
