/**
 * The seal maker's signature over the seal info (GB/T 38540 制章人签名): SHA-256 with RSA over the RFC 8785
 * canonical JSON of the seal info, verifiable by anyone holding the CA certificate (SM-6). The seal is valid
 * exactly as long as its certificate (SM-8).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { SealInfo } from '../../domain/seal';
import {
  CaMaterial,
  createCertificateAuthority,
  IssuedCertificate,
  issueOrganisationCertificate,
} from '../../pki/certificates';
import { signSealInfo, verifySealInfo } from '../../pki/seal-maker';

let ca: CaMaterial;
let otherCa: CaMaterial;
let certificate: IssuedCertificate;
let info: SealInfo;

function derOf(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

beforeAll(() => {
  const now = new Date('2025-03-01T08:00:00.000Z');
  ca = createCertificateAuthority('山西省电子政务数字证书认证中心', now);
  otherCa = createCertificateAuthority('另一个证书认证中心', now);
  certificate = issueOrganisationCertificate(
    ca,
    { name: '泽州县市场监督管理局', uscc: '11140525000120379A', province: '山西省', locality: '晋城市' },
    { notBefore: new Date('2025-03-01T00:00:00.000Z'), notAfter: new Date('2028-02-29T23:59:59.000Z') },
  );
  info = {
    header: { id: 'ES', version: 4, vid: 'jincheng-eseal-platform' },
    esId: '1405252025000001',
    property: {
      type: 1,
      kind: 'business',
      name: '泽州县市场监督管理局合同专用章',
      certListType: 1,
      certList: [derOf(certificate.certificatePem)],
      createDate: '2025-03-10T02:15:30.000Z',
      validStart: certificate.notBefore.toISOString(),
      validEnd: certificate.notAfter.toISOString(),
    },
    picture: {
      type: 'svg',
      data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><circle r="40"/></svg>').toString('base64'),
      widthMm: 42,
      heightMm: 42,
    },
  };
});

describe('the seal info used here', () => {
  it('binds the organisation certificate, whose DER parses back to the same certificate', () => {
    const bound = new X509Certificate(Buffer.from(info.property.certList[0]!, 'base64'));
    expect(bound.fingerprint256).toBe(new X509Certificate(certificate.certificatePem).fingerprint256);
  });
});

describe('signSealInfo', () => {
  it('names the algorithm and the SHA-256 fingerprint of the maker certificate', () => {
    const signature = signSealInfo(info, ca.certificatePem, ca.privateKeyPem);
    const raw = new X509Certificate(ca.certificatePem).raw;
    expect(signature.algorithm).toBe('sha256WithRSAEncryption');
    expect(signature.makerCertificateSha256).toBe(createHash('sha256').update(raw).digest('hex'));
    // RSA 2048: a 256-byte signature.
    expect(Buffer.from(signature.signature, 'base64')).toHaveLength(256);
  });

  it('signs the canonical form: the same seal info with its keys in another order gives the same signature', () => {
    const reordered: SealInfo = {
      picture: { ...info.picture },
      property: { ...info.property },
      esId: info.esId,
      header: { vid: info.header.vid, version: 4, id: 'ES' },
    };
    // RSA PKCS#1 v1.5 signatures are deterministic.
    expect(signSealInfo(reordered, ca.certificatePem, ca.privateKeyPem)).toEqual(
      signSealInfo(info, ca.certificatePem, ca.privateKeyPem),
    );
  });
});

describe('verifySealInfo', () => {
  it('verifies a signature with the maker certificate', () => {
    const signature = signSealInfo(info, ca.certificatePem, ca.privateKeyPem);
    expect(verifySealInfo(info, signature, ca.certificatePem)).toBe(true);
  });

  it('verifies a seal info that went through JSON storage', () => {
    const signature = signSealInfo(info, ca.certificatePem, ca.privateKeyPem);
    const stored = JSON.parse(JSON.stringify(info)) as SealInfo;
    expect(verifySealInfo(stored, JSON.parse(JSON.stringify(signature)), ca.certificatePem)).toBe(true);
  });

  const changes: Array<[string, (i: SealInfo) => void]> = [
    ['header.vid', (i) => (i.header.vid = 'another-platform')],
    ['esId', (i) => (i.esId = '1405252025000002')],
    ['property.type', (i) => (i.property.type = 2)],
    ['property.kind', (i) => (i.property.kind = 'legal_name')],
    ['property.name', (i) => (i.property.name = '泽州县市场监督管理局财务专用章')],
    ['property.certList', (i) => (i.property.certList = [derOf(otherCa.certificatePem)])],
    ['property.certList (one more certificate)', (i) => i.property.certList.push(derOf(ca.certificatePem))],
    ['property.createDate', (i) => (i.property.createDate = '2025-03-10T02:15:31.000Z')],
    ['property.validStart', (i) => (i.property.validStart = '2025-02-28T00:00:00.000Z')],
    ['property.validEnd (SM-8)', (i) => (i.property.validEnd = '2030-02-28T23:59:59.000Z')],
    ['picture.type', (i) => (i.picture.type = 'png')],
    ['picture.data', (i) => (i.picture.data = Buffer.from('<svg/>').toString('base64'))],
    ['picture.widthMm', (i) => (i.picture.widthMm = 40)],
    ['picture.heightMm', (i) => (i.picture.heightMm = 42.5)],
  ];

  it.each(changes)('fails after %s is changed', (_field, change) => {
    const signature = signSealInfo(info, ca.certificatePem, ca.privateKeyPem);
    const changed = structuredClone(info);
    change(changed);
    expect(changed).not.toEqual(info);
    expect(verifySealInfo(changed, signature, ca.certificatePem)).toBe(false);
  });

  it('fails with another CA certificate', () => {
    const signature = signSealInfo(info, ca.certificatePem, ca.privateKeyPem);
    expect(verifySealInfo(info, signature, otherCa.certificatePem)).toBe(false);
  });

  it('fails with another CA certificate even when the fingerprint in the signature is made to match it', () => {
    const signature = signSealInfo(info, ca.certificatePem, ca.privateKeyPem);
    const raw = new X509Certificate(otherCa.certificatePem).raw;
    const forged = { ...signature, makerCertificateSha256: createHash('sha256').update(raw).digest('hex') };
    expect(verifySealInfo(info, forged, otherCa.certificatePem)).toBe(false);
  });

  it('fails for a signature made with another key than the certificate names', () => {
    const signature = signSealInfo(info, ca.certificatePem, otherCa.privateKeyPem);
    expect(verifySealInfo(info, signature, ca.certificatePem)).toBe(false);
  });

  it('fails for a tampered signature', () => {
    const signature = signSealInfo(info, ca.certificatePem, ca.privateKeyPem);
    const bytes = Buffer.from(signature.signature, 'base64');
    bytes[100] = bytes[100]! ^ 0x01;
    expect(
      verifySealInfo(info, { ...signature, signature: bytes.toString('base64') }, ca.certificatePem),
    ).toBe(false);
  });
});
