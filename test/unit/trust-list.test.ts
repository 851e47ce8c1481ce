/**
 * Trust anchors (issue 20 Build 3, SM-3): a licence sealed under a test CA standing for the provincial one verifies
 * PASSED when that CA is an anchor trusted at the signing time, and the report names it; without the anchor, or
 * with an anchor whose trust ended before the signing, it is INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND. The
 * platform's own licences are unaffected. (The administrator's import of a list is not built yet.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { VerificationReport } from '../../domain/licence-verification';
import type { TrustAnchor } from '../../domain/trust-list';
import { anchorTrustedAt, trustListSchema } from '../../domain/trust-list';
import {
  CaMaterial,
  createCertificateAuthority,
  IssuedCertificate,
  issueOrganisationCertificate,
} from '../../pki/certificates';
import type { LicenceExport } from '../../pki/licence-document';
import { verifyLicenceDocument } from '../../pki/licence-verifier';
import { CERTIFICATE_VALIDITY, SIGNING_TIME, ZZ_AMR_SUBJECT } from '../support/pki-fixtures';
import { makeSeal, sealedLicence } from '../support/sm2-licences';

const NOW = new Date(SIGNING_TIME.getTime() + 86_400_000);
const PROVINCIAL = '山西省电子印章系统（测试 CA）';
let platformCa: CaMaterial;
let provincialCa: CaMaterial;
let provincialSm2Ca: CaMaterial;
let foreign: LicenceExport;
let foreignSm2: LicenceExport;
let own: LicenceExport;

function anchor(ca: CaMaterial, validFrom: string, validTo: string): TrustAnchor {
  return { id: 'anchor-1', name: PROVINCIAL, certificatePem: ca.certificatePem, validFrom, validTo };
}
const always = (ca: CaMaterial) => anchor(ca, '2020-01-01T00:00:00.000Z', '2040-01-01T00:00:00.000Z');
const chain = (r: VerificationReport) => r.checks.find((c) => c.id === 'CERTIFICATE_CHAIN')!;

function sealedUnder(ca: CaMaterial, algorithm: 'rsa' | 'sm2' = 'rsa'): LicenceExport {
  const cert: IssuedCertificate = issueOrganisationCertificate(
    ca,
    ZZ_AMR_SUBJECT,
    CERTIFICATE_VALIDITY,
    undefined,
    algorithm,
  );
  return sealedLicence(cert, makeSeal(cert, ca));
}

beforeAll(() => {
  platformCa = createCertificateAuthority('晋城市电子证照平台 CA', CERTIFICATE_VALIDITY.notBefore);
  provincialCa = createCertificateAuthority(PROVINCIAL, CERTIFICATE_VALIDITY.notBefore);
  provincialSm2Ca = createCertificateAuthority(PROVINCIAL, CERTIFICATE_VALIDITY.notBefore, 20, 'sm2');
  foreign = sealedUnder(provincialCa);
  foreignSm2 = sealedUnder(provincialSm2Ca, 'sm2');
  own = sealedUnder(platformCa);
});

const verify = (document: LicenceExport, trustAnchors?: TrustAnchor[]) =>
  verifyLicenceDocument(document, { caCertificatePem: platformCa.certificatePem, now: NOW, trustAnchors });

describe('trust anchors (issue 20 Build 3)', () => {
  it('a licence sealed under a listed anchor verifies PASSED and the report names the anchor', async () => {
    const report = await verify(foreign, [always(provincialCa)]);
    expect([report.indication, report.subIndication]).toEqual(['PASSED', null]);
    expect(chain(report).detail).toContain(`信任列表中的“${PROVINCIAL}”`);
    const sm2 = await verify(foreignSm2, [always(provincialCa), always(provincialSm2Ca)]);
    expect([sm2.indication, sm2.subIndication]).toEqual(['PASSED', null]);
    expect(chain(sm2).detail).toContain(PROVINCIAL);
  });

  it('without the anchor, it is INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', async () => {
    for (const anchors of [undefined, [], [always(provincialSm2Ca)]]) {
      const report = await verify(foreign, anchors);
      expect([report.indication, report.subIndication]).toEqual([
        'INDETERMINATE',
        'NO_CERTIFICATE_CHAIN_FOUND',
      ]);
    }
  });

  it('an anchor not trusted at the signing time does not count', async () => {
    const ended = anchor(
      provincialCa,
      '2020-01-01T00:00:00.000Z',
      new Date(SIGNING_TIME.getTime() - 1).toISOString(),
    );
    const later = anchor(
      provincialCa,
      new Date(SIGNING_TIME.getTime() + 1).toISOString(),
      '2040-01-01T00:00:00.000Z',
    );
    expect(anchorTrustedAt(ended, SIGNING_TIME.toISOString())).toBe(false);
    expect(anchorTrustedAt(later, SIGNING_TIME.toISOString())).toBe(false);
    expect(anchorTrustedAt(always(provincialCa), 'not a time')).toBe(false);
    const report = await verify(foreign, [ended, later]);
    expect(report.subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
  });

  it('the offline verifier takes the list from a file (--trust-list) and gives the same indications', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trust-list-'));
    writeFileSync(path.join(dir, 'export.json'), JSON.stringify(foreign));
    writeFileSync(path.join(dir, 'ca.pem'), platformCa.certificatePem);
    writeFileSync(path.join(dir, 'anchors.json'), JSON.stringify([always(provincialCa)]));
    writeFileSync(path.join(dir, 'none.json'), '[]');
    const run = (list: string) => {
      const root = path.join(__dirname, '..', '..');
      const args = [path.join(root, 'scripts', 'verify-offline.ts'), 'export.json', '--ca', 'ca.pem'];
      const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
      const done = spawnSync(tsx, [...args, '--trust-list', list], { cwd: dir, encoding: 'utf8' });
      if (!done.stdout) throw new Error(`verify-offline: ${done.stderr}`);
      return { status: done.status, report: JSON.parse(done.stdout) as VerificationReport };
    };
    const listed = run('anchors.json');
    expect([listed.status, listed.report.indication]).toEqual([0, 'PASSED']);
    expect(chain(listed.report).detail).toContain(PROVINCIAL);
    const removed = run('none.json');
    expect([removed.status, removed.report.subIndication]).toEqual([1, 'NO_CERTIFICATE_CHAIN_FOUND']);
    expect(trustListSchema.safeParse([{ ...always(provincialCa), validTo: '明天' }]).success).toBe(false);
  }, 60_000);

  it('the platform’s own licences pass as before, naming no anchor', async () => {
    const report = await verify(own, [always(provincialCa)]);
    expect(report.indication).toBe('PASSED');
    expect(chain(report).detail).toContain('平台信任的电子政务 CA');
  });
});
