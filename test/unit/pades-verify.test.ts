/**
 * Issue 18 Build 3 (SM-11): the PDF signature verifier on PDFs stamped here with a CA, an organisation certificate
 * and a timestamp authority made for the test (pki/ only; the integration test checks the same verdicts against
 * pdfsig and pyHanko), and the decision of domain/pdf-verification.ts.
 */
import { createHash } from 'node:crypto';
import { PDFDocument, PDFName, PDFNumber, StandardFonts } from 'pdf-lib';
import {
  pdfSignatureReport,
  PdfSignatureEvidence,
  SealStatusFacts,
  signingInstantUpperBound,
} from '../../domain/pdf-verification';
import { sealStatusAt, SealStatusEntry } from '../../domain/seal-status';
import { sealInformation } from '../../domain/document-stamp';
import {
  createCertificateAuthority,
  issueOrganisationCertificate,
  issueServiceCertificate,
} from '../../pki/certificates';
import { buildCadesSignedData } from '../../pki/cms';
import { preparePdfStamp, signatureBytesFor, signPreparedPdf } from '../../pki/pades';
import { verifyPdfSignatures } from '../../pki/pades-verify';
import { buildSealInfo, signSealInfo } from '../../pki/seal-maker';
import { timestampToken } from '../../pki/tsa';
import type { TrustAnchor } from '../../domain/trust-list';

const now = new Date();
const year = 365 * 24 * 3600_000;
const validity = { notBefore: new Date(now.getTime() - 3600_000), notAfter: new Date(now.getTime() + year) };
const ca = createCertificateAuthority('测试电子政务 CA', new Date(now.getTime() - 3600_000));
const org = issueOrganisationCertificate(
  ca,
  { name: '泽州县市场监督管理局', uscc: '11140525MB1234567X', province: '山西省', locality: '晋城市' },
  validity,
);
const tsa = issueServiceCertificate(ca, '测试时间戳服务', validity, 'timeStamping');
const sealInfo = buildSealInfo({
  esId: '140525000000000001',
  kind: 'business',
  name: '泽州县市场监督管理局合同专用章',
  certificatePem: org.certificatePem,
  ...validity,
  imprintMediaType: 'image/png',
  imprint: Buffer.from('x'),
  widthMm: 42,
  heightMm: 42,
  now,
});
const seal = {
  id: 'seal-1',
  esId: sealInfo.esId,
  name: sealInfo.property.name,
  kind: 'business' as const,
  sealInfo,
  makerSignature: signSealInfo(sealInfo, ca.certificatePem, ca.privateKeyPem),
};
// A 1×1 red PNG.
const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

async function contract(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText('Contract', { x: 60, y: 760, size: 20, font });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

async function stamp(pdf: Buffer, signer = org): Promise<Buffer> {
  const info = sealInformation(seal, 'auth-1');
  const prepared = await preparePdfStamp(
    pdf,
    { page: 0, xMm: 100, yMm: 100 },
    {
      png: PNG_1PX,
      widthMm: 42,
      heightMm: 42,
      signerName: seal.name,
      reason: '测试',
      signingTime: now,
      signatureBytes: signatureBytesFor(info),
    },
  );
  return signPreparedPdf(prepared, async (digest) =>
    buildCadesSignedData({
      messageDigest: digest,
      signerCertificatePem: signer.certificatePem,
      signerPrivateKeyPem: signer.privateKeyPem,
      chainPems: [ca.certificatePem],
      sealInformation: info,
      timestamp: (value) =>
        timestampToken(
          { ...tsa, chainPems: [ca.certificatePem] },
          createHash('sha256').update(value).digest(),
          now,
        ),
    }),
  );
}

const active: SealStatusFacts = { known: true, atSigning: 'active', now: 'active', proofOfExistence: true };

describe('issue 18 Build 3 (SM-11): pki/pades-verify.ts on PDFs stamped here', () => {
  let stamped: Buffer;
  beforeAll(async () => {
    stamped = await stamp(await contract());
  });

  it('a good stamp: every check passes, with the timestamp time and the seal information', async () => {
    const [finding, ...more] = await verifyPdfSignatures(stamped, ca.certificatePem);
    expect(more).toHaveLength(0);
    expect(finding!.sealInformation?.esId).toBe(seal.esId);
    expect(finding!.evidence).toMatchObject({
      readable: true,
      digestMatches: true,
      coverage: 'ENTIRE_FILE',
      signatureValid: true,
      chainTrusted: true,
      sealBound: true,
      signer: { organisation: '泽州县市场监督管理局' },
      timestamp: { signatureValid: true, imprintMatches: true, authorityTrusted: true },
    });
    expect(Math.abs(Date.parse(finding!.evidence.timestamp!.time) - now.getTime())).toBeLessThan(1000);
    expect(pdfSignatureReport(finding!.evidence, active).indication).toBe('PASSED');
  });

  it('a second stamp keeps the first covering its revision: only a signature added', async () => {
    const twice = await stamp(stamped);
    const findings = await verifyPdfSignatures(twice, ca.certificatePem);
    expect(findings.map((f) => [f.evidence.coverage, f.evidence.digestMatches])).toEqual([
      ['SIGNATURES_ADDED', true],
      ['ENTIRE_FILE', true],
    ]);
  });

  it('a later update that changes the page is CHANGED: FAILED/HASH_FAILURE', async () => {
    const doc = await PDFDocument.load(stamped);
    doc.getPages()[0]!.node.set(PDFName.of('Rotate'), PDFNumber.of(90));
    const page = doc.getPages()[0]!;
    const object = Buffer.from(`${page.ref.objectNumber} 0 obj\n${page.node.toString()}\nendobj\n`, 'latin1');
    const prev = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(stamped.toString('latin1'))![1];
    const xrefAt = stamped.length + object.length;
    const root = String(doc.context.trailerInfo.Root);
    const update = Buffer.concat([
      stamped,
      object,
      Buffer.from(
        `xref\n${page.ref.objectNumber} 1\n${String(stamped.length).padStart(10, '0')} 00000 n\r\n` +
          `trailer\n<< /Size ${doc.context.largestObjectNumber + 1} /Root ${root} /Prev ${prev} >>\n` +
          `startxref\n${xrefAt}\n%%EOF\n`,
        'latin1',
      ),
    ]);
    const [finding] = await verifyPdfSignatures(update, ca.certificatePem);
    expect(finding!.evidence.coverage).toBe('CHANGED');
    expect(pdfSignatureReport(finding!.evidence, active)).toMatchObject({
      indication: 'FAILED',
      subIndication: 'HASH_FAILURE',
    });
  });

  it('a certificate from another CA: INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const other = createCertificateAuthority('别的 CA', new Date(now.getTime() - 3600_000));
    const [finding] = await verifyPdfSignatures(stamped, other.certificatePem);
    expect(pdfSignatureReport(finding!.evidence, active)).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
    });
  });

  it('issue 20 Build 3: the stamping CA on the trust list is the anchor (seal maker, timestamp authority too); out of its trust period, not', async () => {
    const other = createCertificateAuthority('本市 CA', new Date(now.getTime() - 3600_000));
    const listed: TrustAnchor = {
      id: 'anchor-1',
      name: '外地区电子印章平台',
      certificatePem: ca.certificatePem,
      validFrom: new Date(now.getTime() - year).toISOString(),
      validTo: new Date(now.getTime() + year).toISOString(),
      kind: 'regional_seal_platform',
    };
    const [finding] = await verifyPdfSignatures(stamped, other.certificatePem, [listed]);
    expect(finding!.evidence).toMatchObject({
      chainTrusted: true,
      trustAnchor: { id: 'anchor-1', name: '外地区电子印章平台', kind: 'regional_seal_platform' },
      sealBound: true,
      timestamp: { authorityTrusted: true },
    });
    const unknown: SealStatusFacts = { known: false, atSigning: null, now: null, proofOfExistence: true };
    const report = pdfSignatureReport(finding!.evidence, unknown);
    expect(report).toMatchObject({
      indication: 'PASSED',
      trustAnchor: { kindLabel: '外地区电子印章平台' },
    });
    expect(report.checks.find((c) => c.id === 'SEAL_STATUS')).toMatchObject({ passed: null });
    const ended = { ...listed, validTo: new Date(now.getTime() - 60_000).toISOString() };
    const [late] = await verifyPdfSignatures(stamped, other.certificatePem, [ended]);
    expect(pdfSignatureReport(late!.evidence, unknown)).toMatchObject({
      subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
      trustAnchor: null,
    });
    // The platform's own CA comes first: a list naming it changes nothing.
    const [own] = await verifyPdfSignatures(stamped, ca.certificatePem, [listed]);
    expect([own!.evidence.chainTrusted, own!.evidence.trustAnchor]).toEqual([true, null]);
  });

  it('unreadable signature contents: FAILED/FORMAT_FAILURE', async () => {
    const broken = Buffer.from(stamped);
    const at = broken.indexOf(`/Contents <3082`) + '/Contents <'.length;
    broken.write('FFFF', at, 'latin1');
    const [finding] = await verifyPdfSignatures(broken, ca.certificatePem);
    expect(pdfSignatureReport(finding!.evidence, active)).toMatchObject({ subIndication: 'FORMAT_FAILURE' });
  });
});

describe('issue 18 Build 3 (SM-11): seal status at signing and the decision', () => {
  const at = (iso: string) => new Date(iso);
  const history: SealStatusEntry[] = [
    {
      status: 'active',
      event: 'made',
      effectiveAt: at('2026-01-01T00:00:00Z'),
      recordedAt: at('2026-01-01T00:00:00Z'),
    },
    {
      status: 'lost',
      event: 'loss_reported',
      effectiveAt: at('2026-03-01T00:00:00Z'),
      recordedAt: at('2026-03-01T00:00:00Z'),
    },
    // Cancelled later, effective from before the loss (a merger dated earlier).
    {
      status: 'cancelled',
      event: 'cancelled',
      effectiveAt: at('2026-02-01T00:00:00Z'),
      recordedAt: at('2026-04-01T00:00:00Z'),
    },
  ];

  it('takes the change in effect at the moment, by effective time', () => {
    expect(sealStatusAt(history, at('2025-12-01T00:00:00Z'))).toBeNull();
    expect(sealStatusAt(history, at('2026-01-15T00:00:00Z'))).toBe('active');
    expect(sealStatusAt(history, at('2026-02-15T00:00:00Z'))).toBe('cancelled');
    expect(sealStatusAt(history, at('2026-03-15T00:00:00Z'))).toBe('lost');
  });

  const evidence: PdfSignatureEvidence = {
    readable: true,
    digestMatches: true,
    coverage: 'ENTIRE_FILE',
    signatureValid: true,
    signer: {
      organisation: 'O',
      commonName: 'O',
      validFrom: '2026-01-01T00:00:00Z',
      validTo: '2027-01-01T00:00:00Z',
    },
    chainTrusted: true,
    seal: {
      esId: '1',
      name: 'S',
      kind: 'business',
      validStart: '2026-01-01T00:00:00Z',
      validEnd: '2027-01-01T00:00:00Z',
    },
    sealBound: true,
    claimedTime: '2026-01-10T00:00:00Z',
    timestamp: {
      time: '2026-01-10T00:00:00Z',
      signatureValid: true,
      imprintMatches: true,
      authorityTrusted: true,
      authorityName: 'TSA',
    },
  };

  it.each([
    [
      'cancelled after signing, timestamped',
      { atSigning: 'active', now: 'cancelled', proofOfExistence: true },
      'PASSED',
      null,
    ],
    [
      'cancelled before signing',
      { atSigning: 'cancelled', now: 'cancelled', proofOfExistence: true },
      'FAILED',
      'REVOKED',
    ],
    [
      'cancelled, no proof of the signing time',
      { atSigning: 'active', now: 'cancelled', proofOfExistence: false },
      'INDETERMINATE',
      'REVOKED_NO_POE',
    ],
  ] as const)('%s', (_name, status, indication, subIndication) => {
    const report = pdfSignatureReport(evidence, { known: true, ...status });
    expect(report).toMatchObject({ indication, subIndication });
  });

  it('a seal unknown to the platform is INDETERMINATE; outside its validity FAILED/SEAL_NOT_VALID', () => {
    expect(
      pdfSignatureReport(evidence, { known: false, atSigning: null, now: null, proofOfExistence: true }),
    ).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'SIGNED_DATA_NOT_FOUND' });
    const late = { ...evidence, timestamp: { ...evidence.timestamp!, time: '2027-02-01T00:00:00Z' } };
    expect(pdfSignatureReport(late, active)).toMatchObject({
      indication: 'FAILED',
      subIndication: 'SEAL_NOT_VALID',
    });
  });

  it('a broken timestamp is INDETERMINATE/TIMESTAMP_FAILURE, and the claimed time is used', () => {
    const broken = { ...evidence, timestamp: { ...evidence.timestamp!, imprintMatches: false } };
    const report = pdfSignatureReport(broken, active);
    expect(report).toMatchObject({ subIndication: 'TIMESTAMP_FAILURE', signingTimeTimestamped: false });
  });
});

describe('the seal status at a signing time stated in whole seconds (SM-11)', () => {
  const made = new Date(Date.UTC(2026, 5, 1, 2, 0, 1, 700));
  const history: SealStatusEntry[] = [
    { status: 'active', event: 'made', effectiveAt: made, recordedAt: made } as SealStatusEntry,
  ];
  it('a seal made at .700 and used within the same second was active at signing', () => {
    const claimed = '2026-06-01T02:00:01Z';
    expect(sealStatusAt(history, new Date(claimed))).toBeNull();
    expect(sealStatusAt(history, signingInstantUpperBound(claimed))).toBe('active');
  });
  it('a cancellation within the signing’s second counts against the signature (the cautious side)', () => {
    const cancelled = new Date(made.getTime() + 200);
    const both: SealStatusEntry[] = [
      ...history,
      { status: 'cancelled', event: 'cancelled', effectiveAt: cancelled, recordedAt: cancelled },
    ];
    expect(sealStatusAt(both, signingInstantUpperBound('2026-06-01T02:00:01Z'))).toBe('cancelled');
  });
  it('a time with milliseconds is taken as it is; a whole second reaches to its last millisecond', () => {
    expect(signingInstantUpperBound('2026-06-01T02:00:01.250Z').toISOString()).toBe(
      '2026-06-01T02:00:01.250Z',
    );
    expect(signingInstantUpperBound('2026-06-01T02:00:01Z').toISOString()).toBe('2026-06-01T02:00:01.999Z');
  });
});
