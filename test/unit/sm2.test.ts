/**
 * SM2/SM3 (issue 20 Build 2): the SM3 and SM2 primitives against the standards' own example values, SM2
 * certificates from an SM2 CA, and a licence sealed with an SM2 seal verified offline by the platform's verifier
 * (pki/licence-verifier.ts, the same function `POST /api/verify` runs) — PASSED, one byte changed FAILED — while a
 * licence sealed with RSA still verifies; and the record in GB/T 38540's SES_Signature encoding.
 * The comparison with an independent implementation (Go, emmansun/gmsm) is in test/integration/sm2-interop.test.ts.
 */
import {
  CaMaterial,
  createCertificateAuthority,
  IssuedCertificate,
  isIssuedBy,
  issueOrganisationCertificate,
} from '../../pki/certificates';
import type { LicenceExport } from '../../pki/licence-document';
import { verifyLicenceDocument } from '../../pki/licence-verifier';
import { verifySealInfo } from '../../pki/seal-maker';
import { readSesSignature, sesSignatureDer } from '../../pki/ses-signature';
import { verifyBytes } from '../../pki/signature-keys';
import {
  generateSm2KeyPair,
  sm2PrivateKeyHex,
  sm2PrivateKeyPem,
  sm2Sign,
  sm2Verify,
  sm3Hex,
  SM3_WITH_SM2_OID,
} from '../../pki/sm2';
import { CERTIFICATE_VALIDITY, SIGNING_TIME, ZZ_AMR_SUBJECT } from '../support/pki-fixtures';
import { makeSeal, sealedLicence } from '../support/sm2-licences';

const NOW = new Date(SIGNING_TIME.getTime() + 86_400_000);
const derOf = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

/** The export with one byte of the signature value changed. */
function withSignatureByteChanged(document: LicenceExport): LicenceExport {
  const copy = JSON.parse(JSON.stringify(document)) as LicenceExport;
  const bytes = Buffer.from(copy.signature.signatureValue, 'base64');
  bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0x01;
  copy.signature.signatureValue = bytes.toString('base64');
  return copy;
}

describe('SM3 and SM2 primitives (GB/T 32905, GB/T 32918)', () => {
  it('SM3 gives the standard’s example digests', () => {
    // GB/T 32905-2016 Appendix A, examples 1 and 2.
    expect(sm3Hex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(sm3Hex('abcd'.repeat(16))).toBe(
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    );
  });

  it('an SM2 signature verifies with its key, not over other data nor with another key', () => {
    const keys = generateSm2KeyPair();
    const other = generateSm2KeyPair();
    const data = Buffer.from('电子证照', 'utf8');
    const signature = sm2Sign(data, keys.privateKeyHex);
    expect(signature[0]).toBe(0x30); // DER SEQUENCE { r, s }
    expect(sm2Verify(data, signature, keys.publicKeyHex)).toBe(true);
    expect(sm2Verify(Buffer.from('电子证照!', 'utf8'), signature, keys.publicKeyHex)).toBe(false);
    expect(sm2Verify(data, signature, other.publicKeyHex)).toBe(false);
    expect(sm2PrivateKeyHex(sm2PrivateKeyPem(keys))).toBe(keys.privateKeyHex);
  });
});

describe('SM2 certificates and seals', () => {
  let sm2Ca: CaMaterial;
  let rsaCa: CaMaterial;
  let sm2Cert: IssuedCertificate;
  let rsaCert: IssuedCertificate;
  let sm2UnderRsa: IssuedCertificate;

  beforeAll(() => {
    sm2Ca = createCertificateAuthority(
      '山西省电子政务数字证书认证中心（SM2）',
      CERTIFICATE_VALIDITY.notBefore,
      20,
      'sm2',
    );
    rsaCa = createCertificateAuthority('山西省电子政务数字证书认证中心', CERTIFICATE_VALIDITY.notBefore);
    sm2Cert = issueOrganisationCertificate(sm2Ca, ZZ_AMR_SUBJECT, CERTIFICATE_VALIDITY, undefined, 'sm2');
    rsaCert = issueOrganisationCertificate(rsaCa, ZZ_AMR_SUBJECT, CERTIFICATE_VALIDITY);
    sm2UnderRsa = issueOrganisationCertificate(rsaCa, ZZ_AMR_SUBJECT, CERTIFICATE_VALIDITY, undefined, 'sm2');
  });

  it('an SM2 CA issues SM2 certificates (SM3withSM2) that chain to it and to no other CA', () => {
    expect(sm2Cert.subject).toContain(`organizationIdentifier=${ZZ_AMR_SUBJECT.uscc}`);
    expect(sm2Cert.privateKeyPem).toContain('BEGIN EC PRIVATE KEY');
    expect(
      Buffer.from(derOf(sm2Cert.certificatePem), 'base64').includes(Buffer.from('2a811ccf55018375', 'hex')),
    ).toBe(
      true, // the DER of OID 1.2.156.10197.1.501 (SM3withSM2)
    );
    expect(isIssuedBy(sm2Cert.certificatePem, sm2Ca.certificatePem)).toBe(true);
    expect(isIssuedBy(sm2Ca.certificatePem, sm2Ca.certificatePem)).toBe(true);
    expect(isIssuedBy(sm2Cert.certificatePem, rsaCa.certificatePem)).toBe(false);
    expect(isIssuedBy(rsaCert.certificatePem, sm2Ca.certificatePem)).toBe(false);
    // An RSA CA may certify an SM2 key too.
    expect(isIssuedBy(sm2UnderRsa.certificatePem, rsaCa.certificatePem)).toBe(true);
  });

  it('an SM2 seal maker signs the seal info SM3withSM2; a changed seal name fails', () => {
    const seal = makeSeal(sm2Cert, sm2Ca);
    expect(seal.makerSignature.algorithm).toBe('SM3withSM2');
    expect(verifySealInfo(seal.sealInfo, seal.makerSignature, sm2Ca.certificatePem)).toBe(true);
    const renamed = { ...seal.sealInfo, property: { ...seal.sealInfo.property, name: '别的章' } };
    expect(verifySealInfo(renamed, seal.makerSignature, sm2Ca.certificatePem)).toBe(false);
  });

  it('an SM2-sealed licence verifies PASSED offline; one byte changed fails; an RSA-sealed one still passes', async () => {
    const document = sealedLicence(sm2Cert, makeSeal(sm2Cert, sm2Ca));
    expect(document.signature.algorithm).toBe('SM3withSM2');
    const report = await verifyLicenceDocument(document, {
      caCertificatePem: sm2Ca.certificatePem,
      now: NOW,
    });
    expect({ indication: report.indication, sub: report.subIndication }).toEqual({
      indication: 'PASSED',
      sub: null,
    });
    expect(report.checks.find((c) => c.id === 'SIGNATURE')!.detail).toContain('SM2 与 SM3');

    const tampered = await verifyLicenceDocument(withSignatureByteChanged(document), {
      caCertificatePem: sm2Ca.certificatePem,
      now: NOW,
    });
    expect([tampered.indication, tampered.subIndication]).toEqual(['FAILED', 'SIG_CRYPTO_FAILURE']);

    // An SM2 record whose algorithm is rewritten to RSA (or the reverse) does not verify.
    const relabelled = JSON.parse(JSON.stringify(document)) as LicenceExport;
    relabelled.signature.algorithm = 'SHA256withRSA';
    expect(
      (await verifyLicenceDocument(relabelled, { caCertificatePem: sm2Ca.certificatePem, now: NOW }))
        .indication,
    ).toBe('FAILED');

    const rsa = sealedLicence(rsaCert, makeSeal(rsaCert, rsaCa));
    expect(rsa.signature.algorithm).toBe('SHA256withRSA');
    const rsaReport = await verifyLicenceDocument(rsa, { caCertificatePem: rsaCa.certificatePem, now: NOW });
    expect(rsaReport.indication).toBe('PASSED');
    // The SM2 licence checked against the RSA CA has no chain.
    const wrongCa = await verifyLicenceDocument(document, {
      caCertificatePem: rsaCa.certificatePem,
      now: NOW,
    });
    expect([wrongCa.indication, wrongCa.subIndication]).toEqual([
      'INDETERMINATE',
      'NO_CERTIFICATE_CHAIN_FOUND',
    ]);
  });

  it('exports the record as GB/T 38540 SES_Signature (DER) whose signatures verify over the carried content', () => {
    const seal = makeSeal(sm2Cert, sm2Ca);
    const record = sealedLicence(sm2Cert, seal).signature;
    const der = sesSignatureDer(record, sm2Ca.certificatePem);
    const read = readSesSignature(der);
    expect(read).toMatchObject({
      version: 4,
      esId: record.seal.esId,
      sealName: record.seal.sealInfo.property.name,
      signingTime: record.signingTime,
      dataHashHex: record.dataHash.value,
      signatureAlgorithm: SM3_WITH_SM2_OID,
      sealSignatureAlgorithm: SM3_WITH_SM2_OID,
      signedContent: record.signedContent,
    });
    expect(read.signerCertificateDer.toString('base64')).toBe(derOf(sm2Cert.certificatePem));
    expect(read.makerCertificateDer.toString('base64')).toBe(derOf(sm2Ca.certificatePem));
    const signerPem = sm2Cert.certificatePem;
    expect(
      verifyBytes(Buffer.from(read.signedContent, 'utf8'), read.signature, signerPem, 'SM3withSM2'),
    ).toBe(true);
    expect(
      verifyBytes(
        Buffer.from(read.sealInfoJson, 'utf8'),
        read.sealSignature,
        sm2Ca.certificatePem,
        'SM3withSM2',
      ),
    ).toBe(true);
    // One byte changed in the DER's signed content no longer verifies.
    const changed = Buffer.from(der);
    const at = changed.indexOf(Buffer.from(record.dataHash.value.slice(0, 16), 'utf8'));
    changed[at] = changed[at]! ^ 0x01;
    const reread = readSesSignature(changed);
    expect(
      verifyBytes(Buffer.from(reread.signedContent, 'utf8'), reread.signature, signerPem, 'SM3withSM2'),
    ).toBe(false);
  });
});
