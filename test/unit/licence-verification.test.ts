/**
 * Licence verification (LM-19, DESIGN §3 DSS model): each decision path of domain/licence-verification.ts, and
 * the offline verifier (pki/licence-verifier.ts) on real signatures with the CA certificate alone — a licence
 * signed with its issuer's seal passes; a changed data item, signature or signed content, a certificate outside
 * the CA, a seal of another organisation and a signing time outside the seal's validity each fail with their own
 * sub-indication; the registry adds unknown identifiers, data the platform holds differently and seal status,
 * while the licence's own state is reported beside the indication without changing it.
 */
import { createHash } from 'node:crypto';
import { LICENCE_EXPORT_FORMAT, LicenceMetadata } from '../../domain/licence';
import { licenceIdentifier } from '../../domain/licence-identifier';
import {
  CHECK_IDS,
  CheckId,
  CheckResult,
  decideVerification,
  RegisteredLicence,
  VerificationReport,
} from '../../domain/licence-verification';
import type { SealInfo } from '../../domain/seal';
import type { TrustAnchor } from '../../domain/trust-list';
import { expectedLicencePurpose, LicenceSignaturePurpose } from '../../domain/seal-signature';
import {
  CaMaterial,
  createCertificateAuthority,
  IssuedCertificate,
  issueOrganisationCertificate,
  issueServiceCertificate,
} from '../../pki/certificates';
import { inclusionProof, leafHash, NodeKey, nodeHash, rangeHash } from '../../pki/merkle-tree';
import { logLeafHash, signTreeHead } from '../../pki/transparency-log';
import { licenceDataHash, LicenceExport, licenceExport, licenceLogLeaf } from '../../pki/licence-document';
import { LicenceRegistry, verifyLicenceDocument, verifyLicenceIdentifier } from '../../pki/licence-verifier';
import { signSealInfo } from '../../pki/seal-maker';
import { SealForSigning, signWithSeal } from '../../pki/seal-signer';
import { CERTIFICATE_VALIDITY, GP_AMR_SUBJECT, SIGNING_TIME, ZZ_AMR_SUBJECT } from '../support/pki-fixtures';

// ---------------------------------------------------------------------------------------------------------------
// The decision table

const allPassed = (): Record<CheckId, CheckResult> =>
  Object.fromEntries(CHECK_IDS.map((id) => [id, { passed: true, detail: '' }])) as Record<
    CheckId,
    CheckResult
  >;
const withFailed = (...ids: CheckId[]) => {
  const checks = allPassed();
  for (const id of ids) checks[id] = { passed: false, detail: '' };
  return checks;
};
const noFacts = { unknownIdentifier: false, sealRevocation: null };

describe('decideVerification', () => {
  it.each<[string, CheckId[], string, string | null]>([
    ['all passed', [], 'PASSED', null],
    ['format', ['FORMAT'], 'FAILED', 'FORMAT_FAILURE'],
    ['identifier', ['IDENTIFIER'], 'FAILED', 'FORMAT_FAILURE'],
    ['data hash', ['DATA_HASH'], 'FAILED', 'HASH_FAILURE'],
    ['signed content', ['SIGNED_CONTENT'], 'FAILED', 'SIG_CRYPTO_FAILURE'],
    ['signature', ['SIGNATURE'], 'FAILED', 'SIG_CRYPTO_FAILURE'],
    ['chain', ['CERTIFICATE_CHAIN'], 'INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND'],
    ['seal binding', ['SEAL_BINDING'], 'FAILED', 'SIG_CONSTRAINTS_FAILURE'],
    ['issuer match', ['ISSUER_MATCH'], 'FAILED', 'SIG_CONSTRAINTS_FAILURE'],
    ['purpose', ['PURPOSE'], 'FAILED', 'SIG_CONSTRAINTS_FAILURE'],
    ['seal kind', ['SEAL_KIND'], 'FAILED', 'SIG_CONSTRAINTS_FAILURE'],
    ['validity at signing time', ['VALID_AT_SIGNING_TIME'], 'FAILED', 'SEAL_NOT_VALID'],
    ['registry', ['REGISTRY'], 'FAILED', 'REGISTRY_MISMATCH'],
    ['transparency log inclusion (issue 20)', ['LOG_INCLUSION'], 'FAILED', 'LOG_INCLUSION_FAILURE'],
    // Order: the earlier group decides when several fail.
    ['hash before signature', ['SIGNATURE', 'DATA_HASH'], 'FAILED', 'HASH_FAILURE'],
    ['signature before chain', ['CERTIFICATE_CHAIN', 'SIGNATURE'], 'FAILED', 'SIG_CRYPTO_FAILURE'],
    [
      'chain before binding',
      ['SEAL_BINDING', 'CERTIFICATE_CHAIN'],
      'INDETERMINATE',
      'NO_CERTIFICATE_CHAIN_FOUND',
    ],
    [
      'binding before validity',
      ['VALID_AT_SIGNING_TIME', 'ISSUER_MATCH'],
      'FAILED',
      'SIG_CONSTRAINTS_FAILURE',
    ],
    ['validity before registry', ['REGISTRY', 'VALID_AT_SIGNING_TIME'], 'FAILED', 'SEAL_NOT_VALID'],
    ['format before everything', ['FORMAT', 'DATA_HASH', 'SIGNATURE'], 'FAILED', 'FORMAT_FAILURE'],
  ])('%s', (_name, failing, indication, subIndication) => {
    expect(decideVerification(withFailed(...failing), noFacts)).toEqual({ indication, subIndication });
  });

  it('an unknown identifier is INDETERMINATE/SIGNED_DATA_NOT_FOUND, after format and before the hash', () => {
    const facts = { unknownIdentifier: true, sealRevocation: null };
    expect(decideVerification(withFailed('REGISTRY', 'DATA_HASH'), facts)).toEqual({
      indication: 'INDETERMINATE',
      subIndication: 'SIGNED_DATA_NOT_FOUND',
    });
    expect(decideVerification(withFailed('IDENTIFIER', 'REGISTRY'), facts).subIndication).toBe(
      'FORMAT_FAILURE',
    );
  });

  it('a signature not made for this licence is FAILED even under an identifier the platform does not know', () => {
    const facts = { unknownIdentifier: true, sealRevocation: null };
    expect(decideVerification(withFailed('PURPOSE', 'REGISTRY'), facts)).toEqual({
      indication: 'FAILED',
      subIndication: 'SIG_CONSTRAINTS_FAILURE',
    });
    expect(decideVerification(withFailed('PURPOSE', 'FORMAT'), facts).subIndication).toBe('FORMAT_FAILURE');
  });

  it('seal status: revoked before signing is FAILED/REVOKED, at an unknown time INDETERMINATE/REVOKED_NO_POE', () => {
    expect(
      decideVerification(withFailed('SEAL_STATUS'), {
        unknownIdentifier: false,
        sealRevocation: 'before_signing',
      }),
    ).toEqual({ indication: 'FAILED', subIndication: 'REVOKED' });
    expect(
      decideVerification(withFailed('SEAL_STATUS'), {
        unknownIdentifier: false,
        sealRevocation: 'unknown_time',
      }),
    ).toEqual({ indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' });
  });

  it('checks not performed (offline) do not fail a document, but a document must have been checked to pass', () => {
    const offline = allPassed();
    offline.SEAL_STATUS = { passed: null, detail: '' };
    offline.REGISTRY = { passed: null, detail: '' };
    expect(decideVerification(offline, noFacts)).toEqual({ indication: 'PASSED', subIndication: null });
    const nothing = Object.fromEntries(CHECK_IDS.map((id) => [id, { passed: null, detail: '' }])) as Record<
      CheckId,
      CheckResult
    >;
    expect(decideVerification(nothing, noFacts).indication).not.toBe('PASSED');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Real signatures

const ISSUER = ZZ_AMR_SUBJECT;
const OTHER_ORG = GP_AMR_SUBJECT;
const VALIDITY = CERTIFICATE_VALIDITY;
const NOW = new Date('2026-11-28T08:00:00.000Z');
const TYPE_CODE = '11100000000013338W001';

let ca: CaMaterial;
let otherCa: CaMaterial;
let issuerCert: IssuedCertificate;
let otherOrgCert: IssuedCertificate;
let seal: SealForSigning;
let otherSeal: SealForSigning;
let document: LicenceExport;

const derOf = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function makeSeal(id: string, name: string, cert: IssuedCertificate, maker: CaMaterial): SealForSigning {
  const sealInfo: SealInfo = {
    header: { id: 'ES', version: 4, vid: 'jincheng-eseal-platform' },
    esId: `14052520260000000${id.slice(-1)}`,
    property: {
      type: 1,
      kind: 'business',
      name,
      certListType: 1,
      certList: [derOf(cert.certificatePem)],
      createDate: '2026-01-10T02:15:30.000Z',
      validStart: cert.notBefore.toISOString(),
      validEnd: cert.notAfter.toISOString(),
    },
    picture: { type: 'svg', data: Buffer.from('<svg/>').toString('base64'), widthMm: 40, heightMm: 40 },
  };
  return {
    id,
    esId: sealInfo.esId,
    name,
    kind: 'business',
    sealInfo,
    makerSignature: signSealInfo(sealInfo, maker.certificatePem, maker.privateKeyPem),
  };
}

const METADATA: LicenceMetadata = {
  name: '营业执照',
  typeCode: TYPE_CODE,
  typeVersion: 1,
  identifier: licenceIdentifier({
    typeCode: TYPE_CODE,
    issuerCode: ISSUER.uscc,
    serial: '0000001',
    version: 1,
  }),
  licenceNumber: '泽市监字0001号',
  version: 1,
  previousIdentifier: null,
  issuer: { name: ISSUER.name, code: ISSUER.uscc },
  issueDate: '2026-11-27',
  holder: { name: '晋城市丹河煤业有限公司', code: '91140525MA0K1234X7', codeType: '001' },
  validFrom: '2026-11-27',
  validTo: null,
  serviceItems: [{ code: 'SX-001', name: '企业设立登记' }],
};
const DATA = {
  legalRepresentative: '王志刚',
  registeredCapital: '伍佰万元整',
  establishedDate: '2018-06-12',
};

function signed(p: {
  metadata?: LicenceMetadata;
  data?: Record<string, string>;
  seal?: SealForSigning;
  cert?: IssuedCertificate;
  signingTime?: Date;
  /** The signed purpose (issue 11); by default the licence's own. null: none, as the generic endpoint signs. */
  purpose?: Partial<LicenceSignaturePurpose> | null;
  documentTitle?: string;
}): LicenceExport {
  const metadata = p.metadata ?? METADATA;
  const data = p.data ?? DATA;
  const cert = p.cert ?? issuerCert;
  const signer = p.seal ?? seal;
  const signature = signWithSeal({
    seal: signer,
    certificatePem: cert.certificatePem,
    privateKeyPem: cert.privateKeyPem,
    signingTime: p.signingTime ?? SIGNING_TIME,
    documentHash: licenceDataHash({ metadata, data }),
    documentTitle: p.documentTitle ?? `电子证照签发：营业执照（${TYPE_CODE}）`,
    authorisationId: 'auth-1',
    purpose:
      p.purpose === null
        ? undefined
        : {
            purpose: expectedLicencePurpose(metadata.version),
            identifier: metadata.identifier,
            typeCode: metadata.typeCode,
            sealKind: signer.kind,
            ...p.purpose,
          },
  });
  return licenceExport({ metadata, data, signature });
}

beforeAll(() => {
  ca = createCertificateAuthority('山西省电子政务数字证书认证中心', VALIDITY.notBefore);
  otherCa = createCertificateAuthority('另一个证书认证中心', VALIDITY.notBefore);
  issuerCert = issueOrganisationCertificate(ca, ISSUER, VALIDITY);
  otherOrgCert = issueOrganisationCertificate(ca, OTHER_ORG, VALIDITY);
  seal = makeSeal('seal-1', `${ISSUER.name}证照专用章`, issuerCert, ca);
  otherSeal = makeSeal('seal-2', `${OTHER_ORG.name}证照专用章`, otherOrgCert, ca);
  document = signed({});
});

const offline = (doc: unknown) =>
  verifyLicenceDocument(doc, { caCertificatePem: ca.certificatePem, now: NOW });
const check = (report: VerificationReport, id: CheckId) => report.checks.find((c) => c.id === id)!;

describe('offline verification with the CA certificate alone', () => {
  it('a licence signed with its issuer’s seal passes, every check but the registry’s performed', async () => {
    const report = await offline(document);
    expect(report).toMatchObject({
      indication: 'PASSED',
      subIndication: null,
      indicationLabel: '核验通过',
      explanation: null,
      input: 'document',
      identifier: METADATA.identifier,
      licence: null,
      signature: {
        sealName: `${ISSUER.name}证照专用章`,
        signingTime: SIGNING_TIME.toISOString(),
        signerOrganisation: ISSUER.name,
      },
      verifiedAt: NOW.toISOString(),
    });
    expect(report.checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
    for (const c of report.checks) {
      expect(c.label).toMatch(/\p{Script=Han}/u);
      // The registry's checks (the dispute marker of issue 13 among them) need the platform.
      expect(c.passed).toBe(
        ['SEAL_STATUS', 'REGISTRY', 'DISPUTE', 'LOG_INCLUSION'].includes(c.id) ? null : true,
      );
    }
  });

  it('a data item changed after signing: FAILED/HASH_FAILURE', async () => {
    const tampered = clone(document);
    tampered.licence.data.legalRepresentative = '李四';
    const report = await offline(tampered);
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'HASH_FAILURE']);
    expect(check(report, 'DATA_HASH').passed).toBe(false);
    expect(report.explanation).toContain('修改');
  });

  it('a metadata field changed, or a key added to the data: FAILED/HASH_FAILURE', async () => {
    const renamed = clone(document);
    renamed.licence.metadata.holder.name = '另一家公司';
    expect((await offline(renamed)).subIndication).toBe('HASH_FAILURE');
    const added = clone(document) as unknown as { licence: { data: Record<string, unknown> } };
    added.licence.data.extra = '追加';
    expect((await offline(added)).subIndication).toBe('HASH_FAILURE');
  });

  it('a changed signature value or signed content: FAILED/SIG_CRYPTO_FAILURE', async () => {
    const badValue = clone(document);
    const bytes = Buffer.from(badValue.signature.signatureValue, 'base64');
    bytes[10] = bytes[10]! ^ 0xff;
    badValue.signature.signatureValue = bytes.toString('base64');
    const r1 = await offline(badValue);
    expect([r1.indication, r1.subIndication]).toEqual(['FAILED', 'SIG_CRYPTO_FAILURE']);
    expect(check(r1, 'SIGNATURE').passed).toBe(false);

    const badContent = clone(document);
    badContent.signature.signedContent = badContent.signature.signedContent.replace('auth-1', 'auth-2');
    const r2 = await offline(badContent);
    expect([r2.indication, r2.subIndication]).toEqual(['FAILED', 'SIG_CRYPTO_FAILURE']);
    expect(check(r2, 'SIGNED_CONTENT').passed).toBe(false);
  });

  it('a data hash replaced together with a matching signed content but no valid signature: SIG_CRYPTO_FAILURE', async () => {
    const tampered = clone(document);
    tampered.licence.data.legalRepresentative = '李四';
    const hash = licenceDataHash(tampered.licence);
    tampered.signature.signedContent = tampered.signature.signedContent.replace(
      tampered.signature.dataHash.value,
      hash,
    );
    tampered.signature.dataHash.value = hash;
    const report = await offline(tampered);
    expect(check(report, 'DATA_HASH').passed).toBe(true);
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'SIG_CRYPTO_FAILURE']);
  });

  it('re-signed with a certificate from outside the CA: INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const foreign = issueOrganisationCertificate(otherCa, ISSUER, VALIDITY);
    const report = await offline(signed({ cert: foreign }));
    expect([report.indication, report.subIndication]).toEqual([
      'INDETERMINATE',
      'NO_CERTIFICATE_CHAIN_FOUND',
    ]);
    expect(check(report, 'SIGNATURE').passed).toBe(true);
    expect(check(report, 'CERTIFICATE_CHAIN').passed).toBe(false);
  });

  it('a CA certificate not bound in the seal: FAILED/SIG_CONSTRAINTS_FAILURE', async () => {
    const second = issueOrganisationCertificate(ca, ISSUER, VALIDITY);
    const report = await offline(signed({ cert: second }));
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    expect(check(report, 'SEAL_BINDING').passed).toBe(false);
    expect(check(report, 'ISSUER_MATCH').passed).toBe(true);
  });

  it('a seal whose maker signature does not hold: FAILED/SIG_CONSTRAINTS_FAILURE', async () => {
    const tampered = clone(document);
    tampered.signature.seal.sealInfo.property.name = '伪造的印章名称';
    const report = await offline(tampered);
    expect(report.subIndication).toBe('SIG_CONSTRAINTS_FAILURE');
    expect(check(report, 'SEAL_BINDING').detail).toContain('制章人');
  });

  it('a signature without a licence purpose (as the generic endpoint signs): FAILED/SIG_CONSTRAINTS_FAILURE', async () => {
    // Issue 11's forgery: the issuer's own seal, a valid chain, the licence title, but no purpose.
    const report = await offline(signed({ purpose: null }));
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    for (const id of [
      'DATA_HASH',
      'SIGNED_CONTENT',
      'SIGNATURE',
      'CERTIFICATE_CHAIN',
      'SEAL_BINDING',
    ] as const)
      expect([id, check(report, id).passed]).toEqual([id, true]);
    expect(check(report, 'PURPOSE').passed).toBe(false);
    expect(check(report, 'PURPOSE').detail).toContain('签章用途');
    expect(check(report, 'SEAL_KIND').passed).toBe(false);
  });

  it.each<[string, Partial<LicenceSignaturePurpose>]>([
    ['a version purpose on 001', { purpose: 'licence.version' }],
    ['a lifecycle purpose', { purpose: 'licence.lifecycle', event: 'revocation' }],
    ['another identifier', { identifier: METADATA.identifier.replace('0000001', '0000002') }],
    ['another type code', { typeCode: `${TYPE_CODE.slice(0, -1)}9` }],
  ])('a purpose naming %s: FAILED/SIG_CONSTRAINTS_FAILURE', async (_name, purpose) => {
    const report = await offline(signed({ purpose }));
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    expect(check(report, 'PURPOSE').passed).toBe(false);
  });

  it('a seal of another kind than the type names: FAILED/SIG_CONSTRAINTS_FAILURE, offline and online', async () => {
    const wrongKind = await offline(signed({ purpose: { sealKind: 'legal_name' } }));
    expect([wrongKind.indication, wrongKind.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    expect(check(wrongKind, 'SEAL_KIND').passed).toBe(false);
    // Consistent in itself, but the catalogue names another kind for the type.
    const report = await online(document, registered({ typeSealKind: 'legal_name' }));
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    expect(check(report, 'SEAL_KIND').detail).toContain('证照目录');
  });

  it('a seal name, kind or code edited outside the seal info: FAILED, and the report shows the signed name', async () => {
    const renamed = clone(document);
    renamed.signature.seal.name = '伪造的印章名称';
    const report = await offline(renamed);
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    expect(check(report, 'SEAL_BINDING').passed).toBe(false);
    expect(report.signature!.sealName).toBe(`${ISSUER.name}证照专用章`);
    expect(JSON.stringify(report)).not.toContain('伪造的印章名称');

    const rekinded = clone(document);
    rekinded.signature.seal.kind = 'legal_name';
    expect((await offline(rekinded)).subIndication).toBe('SIG_CONSTRAINTS_FAILURE');
  });

  it('signed with another organisation’s valid seal: FAILED/SIG_CONSTRAINTS_FAILURE (issuer mismatch)', async () => {
    const report = await offline(signed({ seal: otherSeal, cert: otherOrgCert }));
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    expect(check(report, 'SEAL_BINDING').passed).toBe(true);
    expect(check(report, 'ISSUER_MATCH').passed).toBe(false);
    expect(check(report, 'ISSUER_MATCH').detail).toContain(OTHER_ORG.uscc);
  });

  it('a signing time before the seal’s validity or after it: FAILED/SEAL_NOT_VALID', async () => {
    const early = await offline(signed({ signingTime: new Date('2025-01-15T00:00:00.000Z') }));
    expect([early.indication, early.subIndication]).toEqual(['FAILED', 'SEAL_NOT_VALID']);
    expect(check(early, 'VALID_AT_SIGNING_TIME').detail).toContain('早于');
    const late = await offline(signed({ signingTime: new Date('2028-06-01T00:00:00.000Z') }));
    expect([late.indication, late.subIndication]).toEqual(['FAILED', 'SEAL_NOT_VALID']);
    expect(check(late, 'VALID_AT_SIGNING_TIME').detail).toContain('晚于');
  });

  it('not a licence document, or a wrong identifier in it: FAILED/FORMAT_FAILURE', async () => {
    for (const bad of [null, 'text', {}, { ...document, format: 'other/1' }]) {
      const report = await offline(bad);
      expect([report.indication, report.subIndication]).toEqual(['FAILED', 'FORMAT_FAILURE']);
      expect(check(report, 'FORMAT').passed).toBe(false);
    }
    const missing = clone(document) as unknown as { signature: Record<string, unknown> };
    delete missing.signature.signerCertificate;
    expect(check(await offline(missing), 'FORMAT').detail).toContain('signature.signerCertificate');

    const wrongCheck = signed({
      metadata: {
        ...METADATA,
        identifier: METADATA.identifier.slice(0, -1) + (METADATA.identifier.endsWith('0') ? '1' : '0'),
      },
    });
    const r1 = await offline(wrongCheck);
    expect([r1.indication, r1.subIndication]).toEqual(['FAILED', 'FORMAT_FAILURE']);
    expect(check(r1, 'IDENTIFIER').detail).toContain('校验位');

    const otherVersion = signed({ metadata: { ...METADATA, version: 2 } });
    const r2 = await offline(otherVersion);
    expect(r2.subIndication).toBe('FORMAT_FAILURE');
    expect(check(r2, 'IDENTIFIER').detail).toContain('版本');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// With a registry

function registered(overrides: Partial<RegisteredLicence> = {}): RegisteredLicence {
  return {
    identifier: METADATA.identifier,
    name: METADATA.name,
    typeCode: TYPE_CODE,
    version: 1,
    issuerName: ISSUER.name,
    holderName: '张伟',
    holderCodeType: '111',
    issueDate: METADATA.issueDate,
    validFrom: METADATA.validFrom,
    validTo: null,
    status: 'valid',
    dataHash: document.signature.dataHash.value,
    typeSealKind: 'business',
    signatureValue: document.signature.signatureValue,
    seal: { id: seal.id, status: 'active', statusChangedAt: null },
    latestIdentifier: METADATA.identifier,
    latestVersion: 1,
    ...overrides,
  };
}

const registryOf = (entry: RegisteredLicence | null): LicenceRegistry => ({
  lookup: (identifier) => Promise.resolve(entry && entry.identifier === identifier ? entry : null),
});
const online = (doc: unknown, entry: RegisteredLicence | null) =>
  verifyLicenceDocument(doc, { caCertificatePem: ca.certificatePem, now: NOW, registry: registryOf(entry) });

describe('verification against the registry', () => {
  it('a registered licence passes and reports its state, masked', async () => {
    const report = await online(document, registered());
    expect(report.indication).toBe('PASSED');
    expect(check(report, 'REGISTRY').passed).toBe(true);
    expect(check(report, 'SEAL_STATUS').passed).toBe(true);
    expect(report.licence).toMatchObject({
      state: 'valid',
      stateLabel: '有效',
      holderName: '张*',
      isLatest: true,
      masked: true,
    });
  });

  it('an identifier the platform does not know: INDETERMINATE/SIGNED_DATA_NOT_FOUND', async () => {
    const report = await online(document, null);
    expect([report.indication, report.subIndication]).toEqual(['INDETERMINATE', 'SIGNED_DATA_NOT_FOUND']);
    expect(check(report, 'REGISTRY').passed).toBe(false);
    expect(report.licence).toBeNull();
  });

  it('a valid signature over data the platform holds differently: FAILED/REGISTRY_MISMATCH', async () => {
    const report = await online(
      document,
      registered({ dataHash: createHash('sha256').update('x').digest('hex') }),
    );
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'REGISTRY_MISMATCH']);
  });

  it('the licence’s own state does not change the indication: superseded and revoked still PASS', async () => {
    const v2 = METADATA.identifier.replace('.001.', '.002.');
    const superseded = await online(
      document,
      registered({ status: 'superseded', latestIdentifier: v2, latestVersion: 2 }),
    );
    expect(superseded.indication).toBe('PASSED');
    expect(superseded.licence).toMatchObject({ state: 'superseded', isLatest: false, latestIdentifier: v2 });
    const revoked = await online(document, registered({ status: 'revoked' }));
    expect(revoked.indication).toBe('PASSED');
    expect(revoked.licence?.stateLabel).toBe('撤销');
    const expired = await online(document, registered({ validTo: '2026-11-27' }));
    expect(expired.licence?.state).toBe('expired');
  });

  it('seal status: cancelled after signing passes, before signing is REVOKED, unknown time REVOKED_NO_POE', async () => {
    const after = await online(
      document,
      registered({ seal: { id: seal.id, status: 'cancelled', statusChangedAt: '2026-12-01T00:00:00.000Z' } }),
    );
    expect(after.indication).toBe('PASSED');
    const before = await online(
      document,
      registered({ seal: { id: seal.id, status: 'lost', statusChangedAt: '2026-01-01T00:00:00.000Z' } }),
    );
    expect([before.indication, before.subIndication]).toEqual(['FAILED', 'REVOKED']);
    // The platform's own stored signature is the proof it was signed while the seal was active.
    const stored = await online(
      document,
      registered({ seal: { id: seal.id, status: 'cancelled', statusChangedAt: null } }),
    );
    expect(stored.indication).toBe('PASSED');
    const other = signed({ signingTime: new Date('2026-11-27T04:00:00.000Z') });
    const unknown = await online(
      other,
      registered({ seal: { id: seal.id, status: 'cancelled', statusChangedAt: null } }),
    );
    expect([unknown.indication, unknown.subIndication]).toEqual(['INDETERMINATE', 'REVOKED_NO_POE']);
  });
});

describe('verification by identifier', () => {
  const byIdentifier = (identifier: string, entry: RegisteredLicence | null) =>
    verifyLicenceIdentifier(identifier, {
      caCertificatePem: ca.certificatePem,
      now: NOW,
      registry: registryOf(entry),
      loadExport: (id) => Promise.resolve(entry && entry.identifier === id ? document : null),
    });

  it('verifies the stored document (lower case accepted)', async () => {
    const report = await byIdentifier(METADATA.identifier.toLowerCase(), registered());
    expect(report).toMatchObject({
      indication: 'PASSED',
      input: 'identifier',
      identifier: METADATA.identifier,
    });
  });

  it('an unknown identifier with a valid check character: INDETERMINATE/SIGNED_DATA_NOT_FOUND', async () => {
    const unknown = licenceIdentifier({
      typeCode: TYPE_CODE,
      issuerCode: ISSUER.uscc,
      serial: '0999999',
      version: 1,
    });
    const report = await byIdentifier(unknown, registered());
    expect([report.indication, report.subIndication]).toEqual(['INDETERMINATE', 'SIGNED_DATA_NOT_FOUND']);
    expect(check(report, 'IDENTIFIER').passed).toBe(true);
    expect(report.identifier).toBe(unknown);
  });

  it('a stored document’s facts are kept for its CA certificate and anchors only (issue 19 Build 4)', async () => {
    // One stored object, as the platform's cache hands it over on every verification by identifier.
    const stored = signed({});
    const byStored = (caCertificatePem: string, trustAnchors?: TrustAnchor[]) =>
      verifyLicenceIdentifier(METADATA.identifier, {
        caCertificatePem,
        now: NOW,
        registry: registryOf(registered()),
        loadExport: () => Promise.resolve(stored),
        trustAnchors,
      });
    const anchor: TrustAnchor = {
      id: 'anchor-1',
      name: '山西省电子政务数字证书认证中心',
      certificatePem: ca.certificatePem,
      validFrom: VALIDITY.notBefore.toISOString(),
      validTo: VALIDITY.notAfter.toISOString(),
    };
    expect((await byStored(ca.certificatePem)).indication).toBe('PASSED');
    // Another CA: the chain is checked again, not taken from the first answer.
    const other = await byStored(otherCa.certificatePem);
    expect(check(other, 'CERTIFICATE_CHAIN').passed).toBe(false);
    // The same CA with the first one as an anchor of the list, then the list without it (a new list).
    expect(check(await byStored(otherCa.certificatePem, [anchor]), 'CERTIFICATE_CHAIN')).toMatchObject({
      passed: true,
      detail: expect.stringContaining(anchor.name),
    });
    expect(check(await byStored(otherCa.certificatePem, []), 'CERTIFICATE_CHAIN').passed).toBe(false);
    expect((await byStored(ca.certificatePem)).indication).toBe('PASSED');
  });

  it('a stored document’s report follows every registry change and the clock, its facts kept (issue 19 Build 4)', async () => {
    const stored = signed({});
    const byStored = async (entry: RegisteredLicence, now: Date = NOW) => {
      const report = await verifyLicenceIdentifier(METADATA.identifier, {
        caCertificatePem: ca.certificatePem,
        now,
        registry: registryOf(entry),
        loadExport: () => Promise.resolve(stored),
      });
      return { report, summary: [report.indication, report.subIndication, report.licence?.state] };
    };
    const first = await byStored(registered());
    expect(first.summary).toEqual(['PASSED', null, 'valid']);
    // The same answer again, with this request's time.
    const later = new Date(NOW.getTime() + 1000);
    const again = await byStored(registered(), later);
    expect(again.report.verifiedAt).toBe(later.toISOString());
    expect(first.report.verifiedAt).toBe(NOW.toISOString());
    expect({ ...again.report, verifiedAt: null }).toEqual({ ...first.report, verifiedAt: null });
    // Each change to the registry's entry counts from the next verification on.
    expect((await byStored(registered({ status: 'revoked' }))).report.licence?.state).toBe('revoked');
    const cancelled = await byStored(
      registered({ seal: { id: seal.id, status: 'cancelled', statusChangedAt: '2026-01-01T00:00:00.000Z' } }),
    );
    expect(cancelled.summary.slice(0, 2)).toEqual(['FAILED', 'REVOKED']);
    expect(check((await byStored(registered({ disputed: true }))).report, 'DISPUTE').passed).toBe(false);
    const superseded = await byStored(
      registered({ latestIdentifier: `${METADATA.identifier}X`, latestVersion: 2 }),
    );
    expect(superseded.report.licence).toMatchObject({ isLatest: false, latestVersion: 2 });
    // The clock: a licence whose validity ends is expired from then on, under the same registry entry.
    const ending = registered({ validTo: '2026-11-30' });
    expect((await byStored(ending)).report.licence?.state).toBe('valid');
    expect((await byStored(ending, new Date('2026-12-02T00:00:00.000Z'))).report.licence?.state).toBe(
      'expired',
    );
    expect((await byStored(registered())).summary).toEqual(first.summary);
  });

  it('a malformed identifier: FAILED/FORMAT_FAILURE naming the problem', async () => {
    const report = await byIdentifier('1.2.156.3005.2.nonsense', registered());
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'FORMAT_FAILURE']);
    expect(check(report, 'IDENTIFIER').passed).toBe(false);
    expect(report.identifier).toBeNull();
  });
});

it('the export format name is the one the verifier expects', () => {
  expect(document.format).toBe(LICENCE_EXPORT_FORMAT);
});

describe('issue 20: the transparency log inclusion check, offline with the CA certificate alone', () => {
  /** A log of a few other leaves and this licence's, with a tree head signed by a log key the CA issued. */
  function logged(doc: LicenceExport, signer: CaMaterial = ca) {
    const logKey = issueServiceCertificate(signer, '透明日志', VALIDITY);
    const leaves = [
      leafHash('a'),
      leafHash('b'),
      logLeafHash(licenceLogLeaf(doc)),
      leafHash('d'),
      leafHash('e'),
    ];
    const node = (k: NodeKey) => {
      const width = 2 ** k.level;
      return rangeHashOfLeaves(leaves.slice(k.index * width, (k.index + 1) * width));
    };
    const treeHead = signTreeHead(
      { treeSize: 5, rootHash: rangeHash(0, 5, node).toString('hex'), timestamp: NOW.toISOString() },
      logKey.privateKeyPem,
      logKey.certificatePem,
    );
    const proof = inclusionProof(2, 5, node).map((h) => h.toString('hex'));
    return { ...clone(doc), transparency: { leafIndex: 2, inclusionProof: proof, treeHead } };
  }
  function rangeHashOfLeaves(hashes: Buffer[]): Buffer {
    if (hashes.length === 1) return hashes[0]!;
    const half = hashes.length / 2;
    return nodeHash(rangeHashOfLeaves(hashes.slice(0, half)), rangeHashOfLeaves(hashes.slice(half)));
  }

  it('an export with its inclusion proof and signed tree head: LOG_INCLUSION passed, PASSED', async () => {
    const report = await offline(logged(document));
    expect(report.indication).toBe('PASSED');
    expect(check(report, 'LOG_INCLUSION')).toMatchObject({ passed: true, label: '透明日志收录' });
  });

  it('a proof for another position, an altered proof or a tree head the CA did not sign: FAILED/LOG_INCLUSION_FAILURE', async () => {
    const moved = logged(document);
    moved.transparency.leafIndex = 3;
    const altered = logged(document);
    altered.transparency.inclusionProof[0] = '0'.repeat(64);
    const foreign = logged(document, otherCa);
    const resized = logged(document);
    resized.transparency.treeHead.treeSize = 6;
    for (const doc of [moved, altered, foreign, resized]) {
      const report = await offline(doc);
      expect([report.indication, report.subIndication]).toEqual(['FAILED', 'LOG_INCLUSION_FAILURE']);
      expect(check(report, 'LOG_INCLUSION').passed).toBe(false);
    }
  });

  it('a tree head given apart (--tree-head): the same head passes, a forked one of the same size fails', async () => {
    const doc = logged(document);
    const same = await verifyLicenceDocument(doc, {
      caCertificatePem: ca.certificatePem,
      now: NOW,
      treeHead: doc.transparency.treeHead,
    });
    expect(check(same, 'LOG_INCLUSION').passed).toBe(true);
    const other = logged({
      ...clone(document),
      signature: { ...document.signature, signingTime: NOW.toISOString() },
    });
    const forked = await verifyLicenceDocument(doc, {
      caCertificatePem: ca.certificatePem,
      now: NOW,
      treeHead: other.transparency.treeHead,
    });
    expect(check(forked, 'LOG_INCLUSION').passed).toBe(false);
  });
});
