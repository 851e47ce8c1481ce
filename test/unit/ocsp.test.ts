/**
 * Issue 18 Build 2: the CRL and the OCSP responses the CA signs (pki/ocsp.ts), read back by OpenSSL — a tool this
 * project did not write: OCSP answers good, then revoked after the certificate is revoked; the CRL lists it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCertificateAuthority, issueOrganisationCertificate } from '../../pki/certificates';
import { buildCrl, buildOcspResponse, CertificateStatus, normalSerial } from '../../pki/ocsp';

const now = new Date();
const ca = createCertificateAuthority('测试 CA', new Date(now.getTime() - 3600_000));
const validity = {
  notBefore: new Date(now.getTime() - 60_000),
  notAfter: new Date(now.getTime() + 86400_000 * 365),
};
const place = { province: '山西省', locality: '晋城市' };
const org = issueOrganisationCertificate(
  ca,
  { name: '泽州县市场监督管理局', uscc: '11140525MB1234567X', ...place },
  validity,
);
const other = issueOrganisationCertificate(
  ca,
  { name: '高平市市场监督管理局', uscc: '11140581MB7654321Y', ...place },
  validity,
);
const stranger = createCertificateAuthority('另一个 CA', now);

const dir = mkdtempSync(path.join(tmpdir(), 'ocsp-'));
const file = (name: string, content: string | Buffer) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};
const caFile = file('ca.pem', ca.certificatePem);
const orgFile = file('org.pem', org.certificatePem);
const openssl = (args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe' });

/** OpenSSL's reading of the response to its own request: the status, after checking the signature and nonce. */
function ocspStatus(statuses: CertificateStatus[]): string {
  const request = path.join(dir, `req-${statuses.length}-${Date.now()}.der`);
  openssl(['ocsp', '-issuer', caFile, '-cert', orgFile, '-reqout', request]);
  // The stored serial keeps a leading zero the request drops (one certificate in sixteen): compared as the
  // platform compares them.
  const lookup = (serial: string) =>
    statuses.find((s) => normalSerial(s.serialNumber) === normalSerial(serial)) ?? null;
  const response = file(
    `resp-${Date.now()}.der`,
    buildOcspResponse(readFileSync(request), ca, lookup, new Date()),
  );
  const checked = spawnSync(
    'openssl',
    ['ocsp', '-reqin', request, '-respin', response, '-CAfile', caFile, '-resp_text'],
    {
      encoding: 'utf8',
    },
  );
  expect(checked.status).toBe(0);
  // "Response verify OK": signed by a key the CA file vouches for; a nonce mismatch would fail it.
  expect(checked.stderr).toContain('Response verify OK');
  expect(checked.stdout).toContain(`Serial Number: ${org.serialNumber}`);
  return checked.stdout;
}

describe('issue 18 Build 2: OCSP and CRL for the organisation certificates', () => {
  it('OCSP answers good for a certificate in force (OpenSSL verifies the CA-signed response and the nonce)', () => {
    const out = ocspStatus([{ serialNumber: org.serialNumber, revokedAt: null }]);
    expect(out).toContain('Cert Status: good');
    expect(out).toContain('OCSP Nonce');
  });

  it('OCSP answers revoked, with the time, after the certificate is revoked', () => {
    const revokedAt = new Date(now.getTime() - 5_000);
    const out = ocspStatus([{ serialNumber: org.serialNumber, revokedAt }]);
    expect(out).toContain('Cert Status: revoked');
    expect(out).toContain('Revocation Time');
  });

  it('OCSP answers unknown for a certificate it has no record of', () => {
    expect(ocspStatus([])).toContain('Cert Status: unknown');
  });

  it('the CRL is signed by the CA and lists the revoked certificate, not the one in force', () => {
    const crl = buildCrl(
      ca,
      [
        { serialNumber: org.serialNumber, revokedAt: new Date(now.getTime() - 5_000) },
        { serialNumber: other.serialNumber, revokedAt: null },
      ],
      now,
      7,
      86400_000,
    );
    const out = openssl([
      'crl',
      '-inform',
      'DER',
      '-in',
      file('crl.der', crl),
      '-CAfile',
      caFile,
      '-noout',
      '-text',
    ]);
    expect(out).toContain(`Serial Number: ${org.serialNumber}`);
    expect(out).not.toContain(`Serial Number: ${other.serialNumber}`);
    expect(out).toMatch(/X509v3 CRL Number:\s+7/);
    // Signed by the CA: OpenSSL checks it against the CA and refuses it against another one.
    expect(
      openssl(['crl', '-inform', 'DER', '-in', file('crl2.der', crl), '-CAfile', caFile, '-noout']),
    ).toBe('');
    const strangerFile = file('stranger.pem', stranger.certificatePem);
    expect(() =>
      openssl([
        'crl',
        '-inform',
        'DER',
        '-in',
        path.join(dir, 'crl2.der'),
        '-CAfile',
        strangerFile,
        '-noout',
      ]),
    ).toThrow();
  });
});
