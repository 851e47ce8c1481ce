/**
 * SM2/SM3 against an independent implementation (issue 20 Build 2 acceptance): tools/sm2-check, a Go program on
 * github.com/emmansun/gmsm (built by scripts/ensure-go-tools.sh from the Go module proxy), and OpenSSL's own SM2.
 * An SM2-sealed licence verifies PASSED in the platform's verifier (pki/licence-verifier.ts, as `POST /api/verify`
 * runs it) and in Go; one byte changed fails in both; Go's own certificates and signature verify in the platform.
 * Needs no platform services: it exercises the platform's PKI code and two outside programs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CaMaterial,
  createCertificateAuthority,
  IssuedCertificate,
  isIssuedBy,
  issueOrganisationCertificate,
} from '../../pki/certificates';
import type { LicenceExport } from '../../pki/licence-document';
import { verifyLicenceDocument } from '../../pki/licence-verifier';
import { verifyBytes } from '../../pki/signature-keys';
import { sm3Hex } from '../../pki/sm2';
import { runGoTool } from '../support/go-tools';
import { CERTIFICATE_VALIDITY, SIGNING_TIME, ZZ_AMR_SUBJECT } from '../support/pki-fixtures';
import { makeSeal, sealedLicence } from '../support/sm2-licences';

interface Sm2CheckAnswer {
  certificates: Array<{ parsed: boolean; issuedByCa: boolean; sm2Key: boolean; subject: string }>;
  records: Array<{ verifies: boolean; sm3: string }>;
  signed?: { caCertificate: string; certificate: string; signature: string };
}

const NOW = new Date(SIGNING_TIME.getTime() + 86_400_000);
let ca: CaMaterial;
let cert: IssuedCertificate;
let document: LicenceExport;

const pemToDer = (pem: string) =>
  Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64');
const derToPem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`.replace(
    /\n\n/g,
    '\n',
  );

function flipByte(base64: string, fromEnd: number): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[bytes.length - fromEnd] = bytes[bytes.length - fromEnd]! ^ 0x01;
  return bytes.toString('base64');
}

beforeAll(() => {
  ca = createCertificateAuthority(
    '山西省电子政务数字证书认证中心（SM2）',
    CERTIFICATE_VALIDITY.notBefore,
    20,
    'sm2',
  );
  cert = issueOrganisationCertificate(ca, ZZ_AMR_SUBJECT, CERTIFICATE_VALIDITY, undefined, 'sm2');
  document = sealedLicence(cert, makeSeal(cert, ca));
});

describe('SM2/SM3 interoperability (Go emmansun/gmsm, OpenSSL)', () => {
  it('an SM2-sealed licence verifies PASSED in the platform and in Go; one byte changed fails in both', async () => {
    const tampered = JSON.parse(JSON.stringify(document)) as LicenceExport;
    tampered.signature.signatureValue = flipByte(tampered.signature.signatureValue, 5);

    const answer = await runGoTool<Sm2CheckAnswer>('sm2-check', {
      caCertificate: ca.certificatePem,
      certificates: [cert.certificatePem, ca.certificatePem],
      records: [document.signature, tampered.signature],
    });
    expect(answer.certificates.map((c) => [c.parsed, c.sm2Key, c.issuedByCa])).toEqual([
      [true, true, true],
      [true, true, true],
    ]);
    expect(answer.certificates[0]!.subject).toContain(ZZ_AMR_SUBJECT.name);
    expect(answer.records[0]).toEqual({ verifies: true, sm3: sm3Hex(document.signature.signedContent) });
    expect(answer.records[1]!.verifies).toBe(false);

    const platform = await verifyLicenceDocument(document, { caCertificatePem: ca.certificatePem, now: NOW });
    expect(platform.indication).toBe('PASSED');
    const platformTampered = await verifyLicenceDocument(tampered, {
      caCertificatePem: ca.certificatePem,
      now: NOW,
    });
    expect([platformTampered.indication, platformTampered.subIndication]).toEqual([
      'FAILED',
      'SIG_CRYPTO_FAILURE',
    ]);
  });

  it('a certificate with one byte of its signature changed is refused by Go and by the platform', async () => {
    const der = pemToDer(cert.certificatePem);
    der[der.length - 3] = der[der.length - 3]! ^ 0x01;
    const broken = derToPem(der);
    const answer = await runGoTool<Sm2CheckAnswer>('sm2-check', {
      caCertificate: ca.certificatePem,
      certificates: [broken],
      records: [],
    });
    expect(answer.certificates[0]).toMatchObject({ parsed: true, issuedByCa: false });
    expect(isIssuedBy(broken, ca.certificatePem)).toBe(false);
  });

  // OpenSSL 3.0 reads SM2 certificates but does not verify a certificate whose own key is SM2 (it refuses gmsm's
  // chain alike), so it is asked only to read the structure.
  it('OpenSSL reads the certificate as SM2-with-SM3 over an SM2 public key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sm2-chain-'));
    writeFileSync(path.join(dir, 'cert.pem'), cert.certificatePem);
    const text = execFileSync('openssl', ['x509', '-in', 'cert.pem', '-noout', '-text'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(text).toContain('Signature Algorithm: SM2-with-SM3');
    expect(text).toContain('Public Key Algorithm: id-ecPublicKey');
    expect(text).toMatch(/ASN1 OID: SM2/);
  });

  it('what Go signs verifies in the platform: its SM2 certificate chain and its signature; a changed message fails', async () => {
    const message = '晋城市电子证照：由 gmsm 签名，平台验证';
    const answer = await runGoTool<Sm2CheckAnswer>('sm2-check', {
      caCertificate: '',
      certificates: [],
      records: [],
      sign: message,
    });
    const signed = answer.signed!;
    expect(isIssuedBy(signed.certificate, signed.caCertificate)).toBe(true);
    expect(isIssuedBy(signed.certificate, ca.certificatePem)).toBe(false);
    const signature = Buffer.from(signed.signature, 'base64');
    expect(verifyBytes(Buffer.from(message, 'utf8'), signature, signed.certificate, 'SM3withSM2')).toBe(true);
    expect(
      verifyBytes(Buffer.from(`${message}。`, 'utf8'), signature, signed.certificate, 'SM3withSM2'),
    ).toBe(false);
    expect(verifyBytes(Buffer.from(message, 'utf8'), signature, signed.certificate, 'SHA256withRSA')).toBe(
      false,
    );
  });
});
