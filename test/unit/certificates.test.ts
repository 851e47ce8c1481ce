/**
 * X.509 certificates (RFC 5280): the CA standing in for the provincial e-government CA (SM-6) and organisation
 * certificates carrying the legal name (O) and the USCC (organizationIdentifier, X.520 2.5.4.97; GB 32100)
 * (SM-5(1)). Everything is read back with Node's own X509Certificate, not with the library that wrote it.
 */
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import {
  CaMaterial,
  certificateOrganisationName,
  certificateStatusUrls,
  createCertificateAuthority,
  IssuedCertificate,
  isIssuedBy,
  issueOrganisationCertificate,
  issueServiceCertificate,
} from '../../pki/certificates';
import { checkUscc } from '../../domain/uscc';
import { CERTIFICATE_VALIDITY, ZZ_AMR_SUBJECT } from '../support/pki-fixtures';

const CA_NAME = '山西省电子政务数字证书认证中心';
const CA_NOW = new Date('2025-03-01T08:00:00.000Z');
const ORGANISATION = ZZ_AMR_SUBJECT;
const VALIDITY = CERTIFICATE_VALIDITY;

let ca: CaMaterial;
let otherCa: CaMaterial;
let sameNameCa: CaMaterial;
let issued: IssuedCertificate;

beforeAll(() => {
  ca = createCertificateAuthority(CA_NAME, CA_NOW);
  otherCa = createCertificateAuthority('另一个证书认证中心', CA_NOW);
  sameNameCa = createCertificateAuthority(CA_NAME, CA_NOW);
  issued = issueOrganisationCertificate(ca, ORGANISATION, VALIDITY);
});

const lines = (name: string) => name.split('\n');

describe('the test organisation', () => {
  it('has a USCC with a correct check character (GB 32100)', () => {
    expect(checkUscc(ORGANISATION.uscc)).toEqual({ valid: true, checkOk: true });
  });
});

describe('createCertificateAuthority (SM-6)', () => {
  it('is a self-signed CA certificate: basicConstraints CA:TRUE, issuer = subject', () => {
    const x = new X509Certificate(ca.certificatePem);
    expect(x.ca).toBe(true);
    expect(x.issuer).toBe(x.subject);
    expect(x.checkIssued(x)).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(isIssuedBy(ca.certificatePem, ca.certificatePem)).toBe(true);
  });

  it('names the CA in O and CN, in China and 山西省', () => {
    expect(lines(new X509Certificate(ca.certificatePem).subject)).toEqual([
      'C=CN',
      'ST=山西省',
      `O=${CA_NAME}`,
      `CN=${CA_NAME}`,
    ]);
    expect(certificateOrganisationName(ca.certificatePem)).toBe(CA_NAME);
  });

  it('is valid from a minute before `now` for 20 years by default', () => {
    const x = new X509Certificate(ca.certificatePem);
    expect(new Date(x.validFrom).toISOString()).toBe('2025-03-01T07:59:00.000Z');
    expect(new Date(x.validTo).toISOString()).toBe('2045-03-01T08:00:00.000Z');
  });

  it('takes another number of years', () => {
    const short = createCertificateAuthority(CA_NAME, CA_NOW, 5);
    expect(new Date(new X509Certificate(short.certificatePem).validTo).toISOString()).toBe(
      '2030-03-01T08:00:00.000Z',
    );
  });

  it('comes with the matching private key', () => {
    const x = new X509Certificate(ca.certificatePem);
    expect(x.checkPrivateKey(createPrivateKey(ca.privateKeyPem))).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(otherCa.privateKeyPem))).toBe(false);
  });

  it('uses a new key and serial for each CA, even with the same name', () => {
    const a = new X509Certificate(ca.certificatePem);
    const b = new X509Certificate(sameNameCa.certificatePem);
    expect(a.subject).toBe(b.subject);
    expect(a.serialNumber).not.toBe(b.serialNumber);
    expect(a.publicKey.equals(b.publicKey)).toBe(false);
  });
});

describe('issueOrganisationCertificate (SM-5(1))', () => {
  it('issue 18 Build 2: names the platform’s OCSP responder (AIA) and CRL distribution point when given', () => {
    const urls = certificateStatusUrls('https://licence.example.gov.cn/');
    expect(urls).toEqual({
      crl: 'https://licence.example.gov.cn/api/pki/crl',
      ocsp: 'https://licence.example.gov.cn/api/pki/ocsp',
    });
    const cert = new X509Certificate(
      issueOrganisationCertificate(ca, ORGANISATION, VALIDITY, urls).certificatePem,
    );
    expect(cert.infoAccess?.trim()).toBe('OCSP - URI:https://licence.example.gov.cn/api/pki/ocsp');
    const der = cert.raw.toString('latin1');
    expect(der).toContain('https://licence.example.gov.cn/api/pki/crl');
    expect(cert.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(new X509Certificate(issued.certificatePem).infoAccess).toBeUndefined();
  });

  it('with both the status addresses and the CA issuers pointer: one authorityInfoAccess naming both (RFC 5280 §4.2)', () => {
    const urls = certificateStatusUrls('https://licence.example.gov.cn');
    const withPointer = { ...ca, caIssuersUrl: 'https://licence.example.gov.cn/ca.pem' };
    const pem = issueOrganisationCertificate(withPointer, ORGANISATION, VALIDITY, urls).certificatePem;
    expect(new X509Certificate(pem).infoAccess?.trim().split('\n')).toEqual([
      'OCSP - URI:https://licence.example.gov.cn/api/pki/ocsp',
      'CA Issuers - URI:https://licence.example.gov.cn/ca.pem',
    ]);
    const ids = forge.pki.certificateFromPem(pem).extensions.map((e: { id: string }) => e.id);
    expect(ids.filter((id: string) => id === '1.3.6.1.5.5.7.1.1')).toHaveLength(1);
    expect(ids.filter((id: string) => id === '2.5.29.31')).toHaveLength(1);
  });

  it('carries the Chinese legal name in O and CN and the USCC as organizationIdentifier', () => {
    const subject = lines(new X509Certificate(issued.certificatePem).subject);
    expect(subject).toEqual([
      'C=CN',
      'ST=山西省',
      'L=晋城市',
      `O=${ORGANISATION.name}`,
      `organizationIdentifier=${ORGANISATION.uscc}`,
      `CN=${ORGANISATION.name}`,
    ]);
    expect(issued.subject).toBe(new X509Certificate(issued.certificatePem).subject);
  });

  it('names the CA subject as issuer', () => {
    const x = new X509Certificate(issued.certificatePem);
    expect(x.issuer).toBe(new X509Certificate(ca.certificatePem).subject);
  });

  it('is not a CA', () => {
    expect(new X509Certificate(issued.certificatePem).ca).toBe(false);
  });

  it('has exactly the validity asked for, to the second', () => {
    const x = new X509Certificate(issued.certificatePem);
    expect(new Date(x.validFrom).getTime()).toBe(VALIDITY.notBefore.getTime());
    expect(new Date(x.validTo).getTime()).toBe(VALIDITY.notAfter.getTime());
    expect(issued.notBefore).toEqual(VALIDITY.notBefore);
    expect(issued.notAfter).toEqual(VALIDITY.notAfter);
  });

  it('drops the milliseconds of the validity (X.509 times count whole seconds)', () => {
    const cert = issueOrganisationCertificate(ca, ORGANISATION, {
      notBefore: new Date('2025-03-01T00:00:00.999Z'),
      notAfter: new Date('2026-03-01T00:00:00.001Z'),
    });
    expect(cert.notBefore.toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(cert.notAfter.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('keeps a validity ending in 2050 or later (GeneralizedTime, RFC 5280 §4.1.2.5)', () => {
    const cert = issueOrganisationCertificate(ca, ORGANISATION, {
      notBefore: VALIDITY.notBefore,
      notAfter: new Date('2051-06-30T12:34:56.000Z'),
    });
    expect(new Date(new X509Certificate(cert.certificatePem).validTo).toISOString()).toBe(
      '2051-06-30T12:34:56.000Z',
    );
  });

  it('reports the serial number of the certificate, as a positive 16-byte number', () => {
    const x = new X509Certificate(issued.certificatePem);
    expect(issued.serialNumber).toBe(x.serialNumber);
    const value = BigInt(`0x${issued.serialNumber}`);
    expect(value > 0n && value < 2n ** 127n).toBe(true);
  });

  it('comes with its own private key, not the CA key', () => {
    const x = new X509Certificate(issued.certificatePem);
    expect(x.checkPrivateKey(createPrivateKey(issued.privateKeyPem))).toBe(true);
    expect(issued.privateKeyPem).not.toBe(ca.privateKeyPem);
  });
});

describe('authority information access (issue 20 Build 3)', () => {
  const URL = 'https://zwfw.jcgov.example/ca.pem';

  it('an organisation certificate and a service certificate point to where the CA certificate is published', () => {
    const withUrl = { ...ca, caIssuersUrl: URL };
    for (const cert of [
      issueOrganisationCertificate(withUrl, ORGANISATION, VALIDITY),
      issueServiceCertificate(withUrl, '透明日志', VALIDITY),
      issueServiceCertificate(withUrl, '时间戳服务', VALIDITY, 'timeStamping'),
    ]) {
      const x509 = new X509Certificate(cert.certificatePem);
      expect(x509.infoAccess?.trim()).toBe(`CA Issuers - URI:${URL}`);
      expect(x509.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    }
  });

  it('none while the CA does not know its URL', () => {
    expect(new X509Certificate(issued.certificatePem).infoAccess).toBeUndefined();
  });
});

describe('isIssuedBy (SM-6: the bound certificate comes from the provincial CA)', () => {
  it('is true for the CA that issued the certificate', () => {
    expect(isIssuedBy(issued.certificatePem, ca.certificatePem)).toBe(true);
  });

  it('is false for an unrelated CA', () => {
    expect(isIssuedBy(issued.certificatePem, otherCa.certificatePem)).toBe(false);
  });

  it('is false for another CA with the same name: the signature must verify, not only the names match', () => {
    expect(
      new X509Certificate(issued.certificatePem).checkIssued(new X509Certificate(sameNameCa.certificatePem)),
    ).toBe(true);
    expect(isIssuedBy(issued.certificatePem, sameNameCa.certificatePem)).toBe(false);
  });

  it('is false the other way round: a CA is not issued by an organisation certificate', () => {
    expect(isIssuedBy(ca.certificatePem, issued.certificatePem)).toBe(false);
  });
});

describe('certificateOrganisationName (the name SM-7 compares with the seal name)', () => {
  it('returns the Chinese organisation name of the subject', () => {
    expect(certificateOrganisationName(issued.certificatePem)).toBe(ORGANISATION.name);
  });

  it('returns names with full-width punctuation unchanged', () => {
    const name = '晋城市（泽州）综合检验检测中心·实验室';
    const cert = issueOrganisationCertificate(ca, { ...ORGANISATION, name }, VALIDITY);
    expect(certificateOrganisationName(cert.certificatePem)).toBe(name);
  });

  it('returns names with ASCII punctuation unescaped (Node escapes them in its subject string)', () => {
    for (const name of ['Foo, Inc.', 'A+B "Lab"; <x>', '#hash', ' leading space', 'back\\slash']) {
      const cert = issueOrganisationCertificate(ca, { ...ORGANISATION, name }, VALIDITY);
      expect(certificateOrganisationName(cert.certificatePem)).toBe(name);
    }
  });

  it('refuses a certificate whose subject has no organisation name', () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(
      keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    cert.serialNumber = '01';
    cert.validity.notBefore = VALIDITY.notBefore;
    cert.validity.notAfter = VALIDITY.notAfter;
    cert.setSubject([{ name: 'commonName', value: 'no organisation' }]);
    cert.setIssuer([{ name: 'commonName', value: 'no organisation' }]);
    const key = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    cert.sign(forge.pki.privateKeyFromPem(key) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    expect(() => certificateOrganisationName(forge.pki.certificateToPem(cert))).toThrow(
      'certificate subject has no organisation name',
    );
  });
});
