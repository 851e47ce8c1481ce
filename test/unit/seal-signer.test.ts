/**
 * Signing with a seal (SM-9, SM-12): the signature record modelled on GB/T 38540 is signed by the organisation
 * certificate bound in the seal info and verifies with Node's crypto against the CA certificate alone; a changed
 * data hash, a changed signature or a certificate that is not the seal's (or not the CA's) fails.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';
import { SealInfo } from '../../domain/seal';
import { signedContent } from '../../domain/seal-use';
import {
  CaMaterial,
  createCertificateAuthority,
  IssuedCertificate,
  issueOrganisationCertificate,
} from '../../pki/certificates';
import { signSealInfo } from '../../pki/seal-maker';
import type { SealSignature } from '../../domain/seal-signature';
import { SealForSigning, signWithSeal, verifySealSignature } from '../../pki/seal-signer';
import { CERTIFICATE_VALIDITY, SIGNING_TIME, ZZ_AMR_SUBJECT } from '../support/pki-fixtures';

const ORG = ZZ_AMR_SUBJECT;
const VALIDITY = CERTIFICATE_VALIDITY;
const HASH = createHash('sha256').update('营业执照（副本）正文').digest('hex');

let ca: CaMaterial;
let otherCa: CaMaterial;
let certificate: IssuedCertificate;
let seal: SealForSigning;
let record: SealSignature;

const derOf = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

beforeAll(() => {
  ca = createCertificateAuthority('山西省电子政务数字证书认证中心', VALIDITY.notBefore);
  otherCa = createCertificateAuthority('另一个证书认证中心', VALIDITY.notBefore);
  certificate = issueOrganisationCertificate(ca, ORG, VALIDITY);
  const sealInfo: SealInfo = {
    header: { id: 'ES', version: 4, vid: 'jincheng-eseal-platform' },
    esId: '140525202600000001',
    property: {
      type: 1,
      kind: 'legal_name',
      name: ORG.name,
      certListType: 1,
      certList: [derOf(certificate.certificatePem)],
      createDate: '2026-01-10T02:15:30.000Z',
      validStart: certificate.notBefore.toISOString(),
      validEnd: certificate.notAfter.toISOString(),
    },
    picture: { type: 'svg', data: Buffer.from('<svg/>').toString('base64'), widthMm: 42, heightMm: 42 },
  };
  seal = {
    id: 'seal-1',
    esId: sealInfo.esId,
    name: ORG.name,
    kind: 'legal_name',
    sealInfo,
    makerSignature: signSealInfo(sealInfo, ca.certificatePem, ca.privateKeyPem),
  };
  record = signWithSeal({
    seal,
    certificatePem: certificate.certificatePem,
    privateKeyPem: certificate.privateKeyPem,
    signingTime: SIGNING_TIME,
    documentHash: HASH.toUpperCase(),
    documentTitle: '营业执照（副本）',
    authorisationId: 'auth-1',
  });
});

describe('a signature record (GB/T 38540 model)', () => {
  it('carries the seal, time, data hash, signer certificate and algorithm', () => {
    expect(record).toMatchObject({
      version: 1,
      sealId: 'seal-1',
      seal: { esId: '140525202600000001', name: ORG.name, kind: 'legal_name' },
      signingTime: '2026-11-27T03:00:00.000Z',
      dataHash: { algorithm: 'SHA-256', value: HASH },
      documentTitle: '营业执照（副本）',
      authorisationId: 'auth-1',
      signerCertificate: certificate.certificatePem,
      algorithm: 'SHA256withRSA',
    });
    // The signer certificate is the one bound in the seal info.
    expect(new X509Certificate(record.signerCertificate).raw.toString('base64')).toBe(
      record.seal.sealInfo.property.certList[0],
    );
  });

  it('signs the RFC 8785 canonical JSON of seal, time, hash, title and authorisation', () => {
    expect(record.signedContent).toBe(
      '{"authorisationId":"auth-1","dataHash":{"algorithm":"SHA-256","value":"' +
        HASH +
        '"},"documentTitle":"营业执照（副本）","esId":"140525202600000001","sealId":"seal-1",' +
        '"signingTime":"2026-11-27T03:00:00.000Z"}',
    );
    expect(
      signedContent({
        esId: record.seal.esId,
        sealId: record.sealId,
        signingTime: record.signingTime,
        documentHash: record.dataHash.value,
        documentTitle: record.documentTitle,
        authorisationId: record.authorisationId,
      }),
    ).toBe(record.signedContent);
  });

  it('verifies with Node crypto and the signer certificate alone', () => {
    const ok = verify(
      'sha256',
      Buffer.from(record.signedContent, 'utf8'),
      new X509Certificate(record.signerCertificate).publicKey,
      Buffer.from(record.signatureValue, 'base64'),
    );
    expect(ok).toBe(true);
  });
});

describe('verifySealSignature', () => {
  it('passes a genuine record: signature, CA, seal binding, seal maker and validity', () => {
    const result = verifySealSignature(record, ca.certificatePem);
    expect(result).toEqual({
      valid: true,
      problem: null,
      checks: {
        signedContent: true,
        signature: true,
        certificateIssuedByCa: true,
        certificateBoundToSeal: true,
        sealMakerSignature: true,
        validAtSigningTime: true,
      },
    });
  });

  it('fails a tampered data hash, even with the signed content recomputed', () => {
    const other = createHash('sha256').update('另一份文件').digest('hex');
    const onlyHash = { ...record, dataHash: { algorithm: 'SHA-256' as const, value: other } };
    expect(verifySealSignature(onlyHash, ca.certificatePem)).toMatchObject({
      valid: false,
      checks: { signedContent: false, signature: true },
    });
    const recomputed = {
      ...onlyHash,
      signedContent: signedContent({
        esId: record.seal.esId,
        sealId: record.sealId,
        signingTime: record.signingTime,
        documentHash: other,
        documentTitle: record.documentTitle,
        authorisationId: record.authorisationId,
      }),
    };
    const result = verifySealSignature(recomputed, ca.certificatePem);
    expect(result.valid).toBe(false);
    expect(result.checks).toMatchObject({ signedContent: true, signature: false });
    expect(result.problem).toContain('篡改');
  });

  it('fails a tampered signature value', () => {
    const bytes = Buffer.from(record.signatureValue, 'base64');
    bytes[10] = bytes[10]! ^ 0xff;
    const result = verifySealSignature(
      { ...record, signatureValue: bytes.toString('base64') },
      ca.certificatePem,
    );
    expect(result.valid).toBe(false);
    expect(result.checks.signature).toBe(false);
  });

  it('fails a record signed with a foreign key under a foreign certificate', () => {
    // Same organisation name, a certificate from the right CA, but not the one bound in the seal.
    const foreign = issueOrganisationCertificate(ca, ORG, VALIDITY);
    const forged = signWithSeal({
      seal,
      certificatePem: foreign.certificatePem,
      privateKeyPem: foreign.privateKeyPem,
      signingTime: SIGNING_TIME,
      documentHash: HASH,
      documentTitle: '营业执照（副本）',
      authorisationId: 'auth-1',
    });
    const result = verifySealSignature(forged, ca.certificatePem);
    expect(result.valid).toBe(false);
    expect(result.checks).toMatchObject({
      signature: true,
      certificateIssuedByCa: true,
      certificateBoundToSeal: false,
    });
  });

  it('fails a foreign key with the seal certificate claimed as signer', () => {
    const foreign = issueOrganisationCertificate(ca, ORG, VALIDITY);
    const forged = signWithSeal({
      seal,
      certificatePem: certificate.certificatePem,
      privateKeyPem: foreign.privateKeyPem,
      signingTime: SIGNING_TIME,
      documentHash: HASH,
      documentTitle: '营业执照（副本）',
      authorisationId: 'auth-1',
    });
    expect(verifySealSignature(forged, ca.certificatePem).checks.signature).toBe(false);
  });

  it('fails against another CA: neither the certificate nor the seal maker are trusted', () => {
    const result = verifySealSignature(record, otherCa.certificatePem);
    expect(result.valid).toBe(false);
    expect(result.checks).toMatchObject({
      signature: true,
      certificateIssuedByCa: false,
      sealMakerSignature: false,
    });
  });

  it('fails a signing time outside the seal and certificate validity (SM-8)', () => {
    const late = signWithSeal({
      seal,
      certificatePem: certificate.certificatePem,
      privateKeyPem: certificate.privateKeyPem,
      signingTime: new Date('2029-01-01T00:00:00.000Z'),
      documentHash: HASH,
      documentTitle: '营业执照（副本）',
      authorisationId: 'auth-1',
    });
    expect(verifySealSignature(late, ca.certificatePem)).toMatchObject({
      valid: false,
      checks: { signature: true, validAtSigningTime: false },
    });
  });

  it('fails a garbled certificate without throwing', () => {
    const result = verifySealSignature(
      { ...record, signerCertificate: 'not a certificate' },
      ca.certificatePem,
    );
    expect(result.valid).toBe(false);
    expect(result.checks.signature).toBe(false);
  });
});
