/**
 * Verifying an electronic licence (LM-19, WP-(二)1), the report modelled on EU DSS (DESIGN §3): the checks, each
 * with a Chinese label and detail, and the decision from their results — an overall indication (PASSED, FAILED,
 * INDETERMINATE) with a sub-indication — plus, separately, the licence's own current state, which never changes
 * the indication (a superseded or revoked licence was still validly signed).
 *
 * Pure: pki/licence-verifier.ts does the cryptography (hashes, RSA, X.509) and hands the facts over as
 * `DocumentEvidence`; everything that decides, and every word a person reads, is here.
 *
 * Decisions taken where the brief left a choice:
 * - A certificate or seal outside its validity at the signing time gives FAILED/SEAL_NOT_VALID, whichever of the
 *   two windows is missed (SM-8 makes them the same window), rather than DSS's INDETERMINATE/EXPIRED or
 *   NOT_YET_VALID: the acceptance wants one sub-indication for "a seal not valid at signing time".
 * - A signature that verifies over data the platform holds differently gives FAILED/REGISTRY_MISMATCH, not
 *   HASH_FAILURE: the document is internally consistent (its hash and signature hold), so the finding is a
 *   different one — it is not the version the platform issued — and a person should be told that.
 * - Seal status: the platform records since when a seal is out of use (issue 12 Build 5, seal_status_change). A
 *   seal that is active passes. A cancelled or lost seal passes when the change is known to postdate the signing,
 *   or, for a seal without a recorded time (none the platform makes now), when the document carries
 *   exactly the signature the platform stored at issuance (the platform signs only with active seals, so its own
 *   record is the proof of existence before the change); a change known to predate the signing gives
 *   FAILED/REVOKED; otherwise INDETERMINATE/REVOKED_NO_POE (DSS's terms).
 * - Offline (no registry): SEAL_STATUS and REGISTRY are not performed (`passed: null`) and do not count against
 *   the document; the licence's current state is unknown (`licence: null`).
 */
import { z } from 'zod';
import { shanghaiDateTimeSeconds } from './format';
import { currentStatus, LICENCE_EXPORT_FORMAT, LICENCE_STATUS_LABELS, LicenceStatus } from './licence';
import { parseLicenceIdentifier } from './licence-identifier';
import { maskHolderName } from './licence-type';
import { isStrictCertificatePem } from './pem';
import type { SealKind, SealStatus } from './seal';
import { SEAL_KIND_LABELS, SEAL_STATUS_LABELS } from './seal';
import { ALGORITHM_LABELS, expectedLicencePurpose, SIGNATURE_ALGORITHMS } from './seal-signature';

// ---------------------------------------------------------------------------------------------------------------
// The report

export const INDICATIONS = ['PASSED', 'FAILED', 'INDETERMINATE'] as const;
export type Indication = (typeof INDICATIONS)[number];

export const INDICATION_LABELS: Record<Indication, string> = {
  PASSED: '核验通过',
  FAILED: '核验未通过',
  INDETERMINATE: '无法确定',
};

export const SUB_INDICATIONS = [
  'FORMAT_FAILURE',
  'SIGNED_DATA_NOT_FOUND',
  'HASH_FAILURE',
  'SIG_CRYPTO_FAILURE',
  'NO_CERTIFICATE_CHAIN_FOUND',
  'SIG_CONSTRAINTS_FAILURE',
  'SEAL_NOT_VALID',
  'REVOKED',
  'REVOKED_NO_POE',
  'REGISTRY_MISMATCH',
  'LOG_INCLUSION_FAILURE',
] as const;
export type SubIndication = (typeof SUB_INDICATIONS)[number];

/** What each sub-indication means, for a person. */
export const SUB_INDICATION_EXPLANATIONS: Record<SubIndication, string> = {
  FORMAT_FAILURE: '文件不是本平台的电子证照导出格式，或证照标识不符合 GB/T 36904 的结构与校验位，无法核验。',
  SIGNED_DATA_NOT_FOUND: '平台没有该证照标识对应的电子证照，无法确认其真实性。',
  HASH_FAILURE: '证照数据与签章时的数据摘要不一致：证照内容在签章后被修改过。',
  SIG_CRYPTO_FAILURE: '签名值验证失败：签名或签名原文被篡改，或签名不是用签章人证书的密钥生成的。',
  NO_CERTIFICATE_CHAIN_FOUND:
    '签章人证书不是由平台信任的电子政务数字证书认证中心签发的，无法建立到信任锚的证书链。',
  SIG_CONSTRAINTS_FAILURE:
    '印章与签章人证书不匹配、印章信息与制章人签名不符、印章不属于证照的颁发机构，或签章不是为签发该证照作出的（用途、证照标识或印章类型不符）。',
  SEAL_NOT_VALID: '签章时印章或签章人证书不在有效期内。',
  REVOKED: '印章在签章之前已被注销或挂失。',
  REVOKED_NO_POE: '印章已被注销或挂失，且无法证明签章发生在注销或挂失之前。',
  REGISTRY_MISMATCH: '文件的签名本身有效，但证照数据与平台登记的该证照不一致：这不是平台签发的该证照版本。',
  LOG_INCLUSION_FAILURE:
    '文件所附的透明日志包含证明不成立：该证照不在所附已签名树根对应的公开日志中，或树根签名无效。',
};

export const CHECK_IDS = [
  'FORMAT',
  'IDENTIFIER',
  'DATA_HASH',
  'SIGNED_CONTENT',
  'SIGNATURE',
  'CERTIFICATE_CHAIN',
  'SEAL_BINDING',
  'ISSUER_MATCH',
  'PURPOSE',
  'SEAL_KIND',
  'VALID_AT_SIGNING_TIME',
  'SEAL_STATUS',
  'REGISTRY',
  // The licence's own state, not the signature's: it never changes the indication (LM-23, issue 13).
  'DISPUTE',
  'LOG_INCLUSION',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export const CHECK_LABELS: Record<CheckId, string> = {
  FORMAT: '文件格式',
  IDENTIFIER: '证照标识',
  DATA_HASH: '数据摘要',
  SIGNED_CONTENT: '签名原文',
  SIGNATURE: '签名值',
  CERTIFICATE_CHAIN: '签章人证书链',
  SEAL_BINDING: '印章与证书绑定',
  ISSUER_MATCH: '签章单位与颁发机构一致',
  PURPOSE: '签章用途',
  SEAL_KIND: '印章类型',
  VALID_AT_SIGNING_TIME: '签章时证书与印章有效',
  SEAL_STATUS: '印章状态',
  REGISTRY: '平台登记记录',
  DISPUTE: '异议标注',
  LOG_INCLUSION: '透明日志收录',
};

export interface CheckResult {
  /** true passed, false failed, null not performed (an earlier check failed, or offline). */
  passed: boolean | null;
  detail: string;
}

export interface VerificationCheck extends CheckResult {
  id: CheckId;
  label: string;
}

/** The licence's own state (DESIGN §3), reported beside the indication and never changing it. */
export interface LicenceStateView {
  identifier: string;
  name: string;
  typeCode: string;
  version: number;
  issuerName: string;
  /** Masked as on every public view (a natural person's surname only). */
  holderName: string;
  issueDate: string;
  validFrom: string;
  validTo: string | null;
  state: LicenceStatus;
  stateLabel: string;
  /** The newest version of the same licence (itself when this is the newest). */
  latestIdentifier: string;
  latestVersion: number;
  isLatest: boolean;
  /** 有异议·核查中 (LM-23). */
  disputed: boolean;
  masked: true;
}

export interface SignatureSummary {
  sealName: string;
  esId: string;
  signingTime: string;
  /** The organisation (O) in the signer certificate's subject. */
  signerOrganisation: string | null;
}

export interface VerificationReport {
  indication: Indication;
  subIndication: SubIndication | null;
  indicationLabel: string;
  /** The sub-indication explained in Chinese, or null when PASSED. */
  explanation: string | null;
  /** What was verified: a licence identifier looked up on the platform, or a document as exported. */
  input: 'identifier' | 'document';
  /** The licence identifier, normalised, when one could be read. */
  identifier: string | null;
  checks: VerificationCheck[];
  signature: SignatureSummary | null;
  licence: LicenceStateView | null;
  verifiedAt: string;
}

// ---------------------------------------------------------------------------------------------------------------
// The decision

/** Facts beyond pass/fail that the decision needs. */
export interface DecisionFacts {
  /** The registry was asked and does not know the identifier. */
  unknownIdentifier: boolean;
  /** Why SEAL_STATUS failed: the seal was cancelled/lost before signing, or at an unknown time. */
  sealRevocation: 'before_signing' | 'unknown_time' | null;
}

export interface Decision {
  indication: Indication;
  subIndication: SubIndication | null;
}

/**
 * The indication from the checks, in DSS order: the first failing group decides (format, a signature not made
 * for this licence, unknown identifier, hash, cryptography, chain, constraints, validity at signing time, seal
 * status, registry). A signature whose purpose is not this licence's is FAILED whatever the registry holds: such a
 * document is no licence, even under an identifier the platform does not know (issue 11).
 */
export function decideVerification(checks: Record<CheckId, CheckResult>, facts: DecisionFacts): Decision {
  const failed = (id: CheckId) => checks[id].passed === false;
  if (failed('FORMAT') || failed('IDENTIFIER'))
    return { indication: 'FAILED', subIndication: 'FORMAT_FAILURE' };
  if (failed('PURPOSE')) return { indication: 'FAILED', subIndication: 'SIG_CONSTRAINTS_FAILURE' };
  if (facts.unknownIdentifier) return { indication: 'INDETERMINATE', subIndication: 'SIGNED_DATA_NOT_FOUND' };
  if (failed('DATA_HASH')) return { indication: 'FAILED', subIndication: 'HASH_FAILURE' };
  if (failed('SIGNED_CONTENT') || failed('SIGNATURE'))
    return { indication: 'FAILED', subIndication: 'SIG_CRYPTO_FAILURE' };
  if (failed('CERTIFICATE_CHAIN'))
    return { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' };
  if (failed('SEAL_BINDING') || failed('ISSUER_MATCH') || failed('SEAL_KIND'))
    return { indication: 'FAILED', subIndication: 'SIG_CONSTRAINTS_FAILURE' };
  if (failed('VALID_AT_SIGNING_TIME')) return { indication: 'FAILED', subIndication: 'SEAL_NOT_VALID' };
  if (failed('SEAL_STATUS')) {
    return facts.sealRevocation === 'before_signing'
      ? { indication: 'FAILED', subIndication: 'REVOKED' }
      : { indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' };
  }
  if (failed('REGISTRY')) return { indication: 'FAILED', subIndication: 'REGISTRY_MISMATCH' };
  // Issue 20: a document claiming a place in the transparency log that the proof does not bear out.
  if (failed('LOG_INCLUSION')) return { indication: 'FAILED', subIndication: 'LOG_INCLUSION_FAILURE' };
  // Every check that ran passed; FORMAT must have run for a PASSED (an identifier alone proves nothing).
  if (checks.FORMAT.passed !== true || checks.DATA_HASH.passed !== true || checks.SIGNATURE.passed !== true)
    return { indication: 'INDETERMINATE', subIndication: 'SIGNED_DATA_NOT_FOUND' };
  return { indication: 'PASSED', subIndication: null };
}

// ---------------------------------------------------------------------------------------------------------------
// The document's shape (FORMAT)

const IsoTime = z.iso.datetime({ offset: true });
const IsoDate = z.iso.date();

/**
 * The export's shape (pki/licence-document.ts LicenceExport). Objects are loose: the hash is computed over the
 * document as received, so an added key is caught by DATA_HASH rather than silently dropped here.
 */
export const LicenceDocumentShape = z.looseObject({
  format: z.literal(LICENCE_EXPORT_FORMAT),
  licence: z.looseObject({
    metadata: z.looseObject({
      name: z.string().min(1),
      typeCode: z.string().min(1),
      typeVersion: z.number().int().min(1),
      identifier: z.string().min(1),
      licenceNumber: z.string(),
      version: z.number().int().min(1).max(999),
      previousIdentifier: z.string().nullable(),
      issuer: z.looseObject({ name: z.string().min(1), code: z.string().min(1) }),
      issueDate: IsoDate,
      holder: z.looseObject({ name: z.string().min(1), code: z.string().min(1), codeType: z.string() }),
      validFrom: IsoDate,
      validTo: IsoDate.nullable(),
      serviceItems: z.array(z.looseObject({ code: z.string(), name: z.string() })),
    }),
    data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  }),
  signature: z.looseObject({
    version: z.literal(1),
    sealId: z.string().min(1),
    seal: z.looseObject({
      esId: z.string().min(1),
      name: z.string().min(1),
      kind: z.string(),
      sealInfo: z.looseObject({
        esId: z.string().min(1),
        property: z.looseObject({
          name: z.string(),
          certList: z.array(z.string()),
          validStart: IsoTime,
          validEnd: IsoTime,
        }),
        picture: z.looseObject({ type: z.string(), data: z.string() }),
      }),
      makerSignature: z.looseObject({
        algorithm: z.string(),
        makerCertificateSha256: z.string(),
        signature: z.string(),
      }),
    }),
    signingTime: IsoTime,
    dataHash: z.looseObject({ algorithm: z.literal('SHA-256'), value: z.string().regex(/^[0-9a-f]{64}$/) }),
    documentTitle: z.string(),
    authorisationId: z.string(),
    // Exactly one PEM block: junk around it would make every padded copy a different certificate text.
    signerCertificate: z.string().refine(isStrictCertificatePem, { message: '应为且仅为一个 PEM 格式证书' }),
    algorithm: z.enum(SIGNATURE_ALGORITHMS),
    signedContent: z.string().min(1),
    signatureValue: z.string().min(1),
    // Optional in the shape: a signature without a purpose is a well-formed record that is not a licence
    // signature, and the PURPOSE check says so.
    purpose: z
      .looseObject({
        purpose: z.string(),
        identifier: z.string(),
        typeCode: z.string(),
        sealKind: z.string(),
        event: z.string().optional(),
      })
      .optional(),
  }),
  // Issue 20: the licence's inclusion in the transparency log, once a signed tree head covers it.
  transparency: z
    .looseObject({
      leafIndex: z.number().int().min(0),
      inclusionProof: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(64),
      treeHead: z.looseObject({
        treeSize: z.number().int().min(1),
        rootHash: z.string().regex(/^[0-9a-f]{64}$/),
        timestamp: IsoTime,
        signedContent: z.string().min(1),
        signature: z.string().min(1),
        certificatePem: z.string().refine(isStrictCertificatePem, { message: '应为且仅为一个 PEM 格式证书' }),
      }),
    })
    .optional(),
});
export type LicenceDocumentShape = z.infer<typeof LicenceDocumentShape>;

/** The document's shape problems (at most a few, `path: message`), or the document typed. */
export function checkDocumentShape(
  document: unknown,
): { ok: true; document: LicenceDocumentShape } | { ok: false; problems: string[] } {
  const parsed = LicenceDocumentShape.safeParse(document);
  if (parsed.success) return { ok: true, document: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '（文件）'}：${i.message}`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The evidence and the report

/** The platform's record of a licence, for the REGISTRY and SEAL_STATUS checks and the licence's state. */
export interface RegisteredLicence {
  identifier: string;
  name: string;
  typeCode: string;
  version: number;
  issuerName: string;
  holderName: string;
  holderCodeType: string;
  issueDate: string;
  validFrom: string;
  validTo: string | null;
  /** As stored; expiry is applied on the fly (domain/licence.ts currentStatus). */
  status: LicenceStatus;
  /** SHA-256 of the canonical form the platform signed. */
  dataHash: string;
  /** The signature value the platform stored at issuance. */
  signatureValue: string;
  /** The seal kind the licence's type version names in the catalogue. */
  typeSealKind: string;
  /** The seal that signed it, with its status today. */
  seal: { id: string; status: SealStatus; statusChangedAt: string | null } | null;
  latestIdentifier: string;
  latestVersion: number;
  /** A dispute over the licence stands (有异议·核查中, LM-23): shown beside the indication, never changing it. */
  disputed?: boolean;
}

/** What the cryptography found (pki/licence-verifier.ts), for a document whose shape is right. */
export interface CryptoFacts {
  /** SHA-256 (hex) of canonicalLicence over the document's metadata and data as received. */
  computedDataHash: string;
  /** signedContent is the canonical content of the record's fields (hash, time, seal, title, authorisation). */
  signedContentMatches: boolean;
  signatureVerifies: boolean;
  /** null when the signer certificate does not parse. */
  certificate: {
    issuedByCa: boolean;
    /**
     * Issue 20 Build 3: the name of the imported trust anchor the certificate chains to, when it is not the
     * platform's own CA (null: the platform's CA, or none).
     */
    trustAnchor?: string | null;
    /** organizationIdentifier (2.5.4.97): the USCC. */
    organisationIdentifier: string | null;
    organisationName: string | null;
    validFrom: string;
    validTo: string;
  } | null;
  /** The signer certificate is in the seal info's certificate list and the seal info's esId is the seal's. */
  boundInSealInfo: boolean;
  sealMakerSignatureValid: boolean;
  /** Issue 20: the licence's leaf in the transparency log (pki/transparency-log.ts). */
  logInclusion: LogInclusionFacts;
}

/**
 * Issue 20: what the transparency log says of the licence's leaf: included in a signed tree (its index and the
 * tree's size), not yet in one (no evidence: a fresh licence, before the next tree head), not checkable (a tree
 * head given to compare with that is of another size), or a proof that does not hold.
 */
export type LogInclusionFacts =
  | { status: 'included'; leafIndex: number; treeSize: number; treeHeadTime: string }
  | { status: 'absent' }
  | { status: 'not_comparable'; detail: string }
  | { status: 'invalid'; problem: string };

export interface DocumentEvidence {
  input: 'identifier' | 'document';
  shape: ReturnType<typeof checkDocumentShape>;
  /** Present when the shape is right. */
  crypto?: CryptoFacts;
  /** undefined: offline, no registry asked; null: the registry does not know the identifier. */
  registry: RegisteredLicence | null | undefined;
  now: Date;
  /**
   * Issue 20 Build 3: why the registry, though there is one, was not asked (`registry` undefined): the signer chains
   * to an anchor of the trust list (another platform's licence), or to nothing trusted and the identifier is unknown.
   */
  registryNotAsked?: string;
}

/**
 * The signature was made for this licence (issue 11): a licence purpose matching its version (001 an issuance,
 * later a version), naming its identifier and type code. Only the platform's licence issuance makes such a
 * signature; one made through the generic signing endpoint has no purpose and fails here.
 */
function purposeCheck(document: LicenceDocumentShape): CheckResult {
  const purpose = document.signature.purpose;
  const metadata = document.licence.metadata;
  if (!purpose) return fail('签章记录未载明签章用途：这不是为签发电子证照作出的签章');
  const expected = expectedLicencePurpose(metadata.version);
  if (purpose.purpose !== expected)
    return fail(`签章用途为“${purpose.purpose}”，版本 ${metadata.version} 的证照应为“${expected}”`);
  if (purpose.identifier !== metadata.identifier)
    return fail(`签章是为证照 ${purpose.identifier} 作出的，不是本证照 ${metadata.identifier}`);
  if (purpose.typeCode !== metadata.typeCode)
    return fail(`签章载明的证照类型代码 ${purpose.typeCode} 与证照类型代码 ${metadata.typeCode} 不一致`);
  return pass(`签章用途为签发本证照（${expected}），载明证照标识与类型代码`);
}

/**
 * The seal is of the kind the type names: the kind in the CA-signed seal info equals the one the signature
 * states; online, also the one the catalogue names for the licence's type version.
 */
function sealKindCheck(document: LicenceDocumentShape, registry: RegisteredLicence | null | undefined) {
  const actual = document.signature.seal.sealInfo.property.kind;
  const label = (kind: string) => SEAL_KIND_LABELS[kind as SealKind] ?? kind;
  const stated = document.signature.purpose?.sealKind;
  if (!stated) return fail('签章记录未载明证照类型要求的印章类型');
  if (actual !== stated) return fail(`签章印章为${label(String(actual))}，证照类型要求${label(stated)}`);
  if (registry && registry.typeSealKind !== actual)
    return fail(`签章印章为${label(String(actual))}，证照目录要求${label(registry.typeSealKind)}`);
  return pass(`签章印章为证照类型要求的${label(stated)}`);
}

const NOT_PERFORMED = (why: string): CheckResult => ({ passed: null, detail: why });
const pass = (detail: string): CheckResult => ({ passed: true, detail });
const fail = (detail: string): CheckResult => ({ passed: false, detail });

/** A time as a person here reads it, to the second (validity windows are compared to the second). */
function isoTime(value: string): string {
  return `${shanghaiDateTimeSeconds(value)}（北京时间）`;
}

function identifierCheck(document: LicenceDocumentShape): CheckResult {
  const metadata = document.licence.metadata;
  const parsed = parseLicenceIdentifier(metadata.identifier);
  if (!parsed.ok) return fail(parsed.reason);
  const { parts } = parsed;
  if (metadata.identifier !== metadata.identifier.trim().toUpperCase())
    return fail('证照标识应为大写且不含空白');
  if (parts.typeCode !== metadata.typeCode)
    return fail(`证照标识中的类型代码 ${parts.typeCode} 与证照类型代码 ${metadata.typeCode} 不一致`);
  if (parts.issuerCode !== metadata.issuer.code)
    return fail(`证照标识中的颁发机构代码 ${parts.issuerCode} 与颁发机构代码 ${metadata.issuer.code} 不一致`);
  if (parts.version !== metadata.version)
    return fail(`证照标识中的版本号 ${parts.version} 与证照版本 ${metadata.version} 不一致`);
  return pass('结构符合 GB/T 36904，校验位正确，与证照类型、颁发机构和版本一致');
}

function validityCheck(document: LicenceDocumentShape, crypto: CryptoFacts): CheckResult {
  const t = new Date(document.signature.signingTime).getTime();
  const property = document.signature.seal.sealInfo.property;
  const cert = crypto.certificate!;
  const at = `签章时间 ${isoTime(document.signature.signingTime)}`;
  if (t < new Date(cert.validFrom).getTime())
    return fail(`${at} 早于签章人证书生效时间 ${isoTime(new Date(cert.validFrom).toISOString())}`);
  if (t > new Date(cert.validTo).getTime())
    return fail(`${at} 晚于签章人证书到期时间 ${isoTime(new Date(cert.validTo).toISOString())}`);
  if (t < new Date(property.validStart).getTime())
    return fail(`${at} 早于印章有效期起始 ${isoTime(property.validStart)}`);
  if (t > new Date(property.validEnd).getTime())
    return fail(`${at} 晚于印章有效期截止 ${isoTime(property.validEnd)}`);
  // SM-8
  return pass(`${at} 在签章人证书和印章的有效期内`);
}

function sealStatusCheck(
  document: LicenceDocumentShape,
  registry: RegisteredLicence,
): { result: CheckResult; revocation: DecisionFacts['sealRevocation'] } {
  const seal = registry.seal;
  if (!seal || seal.id !== document.signature.sealId) {
    return {
      result: NOT_PERFORMED('文件中的印章不是平台登记的该证照签发印章，未查询其状态'),
      revocation: null,
    };
  }
  const label = SEAL_STATUS_LABELS[seal.status];
  if (seal.status === 'active') return { result: pass(`印章状态：${label}`), revocation: null };
  const signedAt = new Date(document.signature.signingTime).getTime();
  if (seal.statusChangedAt) {
    if (new Date(seal.statusChangedAt).getTime() > signedAt)
      return { result: pass(`印章于签章之后${label}，签章时有效`), revocation: null };
    return {
      result: fail(`印章于 ${isoTime(seal.statusChangedAt)} ${label}，早于签章时间`),
      revocation: 'before_signing',
    };
  }
  if (document.signature.signatureValue === registry.signatureValue)
    return {
      result: pass(`印章现已${label}；平台签发记录表明签章时印章有效（平台只用有效印章签章）`),
      revocation: null,
    };
  return {
    result: fail(`印章现已${label}，平台未记录${label}时间，无法证明签章发生在此之前`),
    revocation: 'unknown_time',
  };
}

function registryCheck(
  input: DocumentEvidence['input'],
  registry: RegisteredLicence,
  crypto: CryptoFacts,
): CheckResult {
  if (input === 'identifier') return pass('平台登记有该证照，核验的是平台保存的签章文件');
  if (registry.dataHash !== crypto.computedDataHash)
    return fail('平台登记有该证照标识，但登记的数据摘要与文件的数据不一致');
  return pass('平台登记有该证照，登记的数据摘要与文件一致');
}

/** LM-23: whether a dispute marker stands; reported as a check of its own that the decision never reads. */
function disputeCheck(registry: RegisteredLicence): CheckResult {
  return registry.disputed
    ? { passed: false, detail: '有异议·核查中：该证照的数据正在由颁发单位核查，签章本身的核验结果不受影响' }
    : { passed: true, detail: '该证照没有正在核查的异议' };
}

function logInclusionCheck(facts: LogInclusionFacts): CheckResult {
  switch (facts.status) {
    case 'included':
      return pass(
        `收录于公开透明日志第 ${facts.leafIndex} 项，包含证明对 ${shanghaiDateTimeSeconds(facts.treeHeadTime)} 签名的大小为 ${facts.treeSize} 的树根成立`,
      );
    case 'absent':
      return NOT_PERFORMED('尚无已签名树根收录该证照（新签发的证照在下一次树根签名后收录）');
    case 'not_comparable':
      return NOT_PERFORMED(facts.detail);
    case 'invalid':
      return fail(facts.problem);
  }
}

export function licenceStateView(registry: RegisteredLicence, now: Date): LicenceStateView {
  const state = currentStatus(registry.status, registry.validTo, now);
  return {
    identifier: registry.identifier,
    name: registry.name,
    typeCode: registry.typeCode,
    version: registry.version,
    issuerName: registry.issuerName,
    holderName: maskHolderName(
      registry.holderName,
      registry.holderCodeType === '111' ? 'natural_person' : 'legal_person',
    ),
    issueDate: registry.issueDate,
    validFrom: registry.validFrom,
    validTo: registry.validTo,
    state,
    stateLabel: LICENCE_STATUS_LABELS[state],
    latestIdentifier: registry.latestIdentifier,
    latestVersion: registry.latestVersion,
    isLatest: registry.latestIdentifier === registry.identifier,
    disputed: !!registry.disputed,
    masked: true,
  };
}

function report(
  input: DocumentEvidence['input'],
  identifier: string | null,
  checks: Record<CheckId, CheckResult>,
  facts: DecisionFacts,
  extra: { signature: SignatureSummary | null; licence: LicenceStateView | null; now: Date },
): VerificationReport {
  const decision = decideVerification(checks, facts);
  return {
    indication: decision.indication,
    subIndication: decision.subIndication,
    indicationLabel: INDICATION_LABELS[decision.indication],
    explanation: decision.subIndication ? SUB_INDICATION_EXPLANATIONS[decision.subIndication] : null,
    input,
    identifier,
    checks: CHECK_IDS.map((id) => ({ id, label: CHECK_LABELS[id], ...checks[id] })),
    signature: extra.signature,
    licence: extra.licence,
    verifiedAt: extra.now.toISOString(),
  };
}

function allNotPerformed(why: string): Record<CheckId, CheckResult> {
  return Object.fromEntries(CHECK_IDS.map((id) => [id, NOT_PERFORMED(why)])) as Record<CheckId, CheckResult>;
}

/** The report for a document (exported, or the platform's own for an identifier) from the evidence. */
export function assessLicenceDocument(evidence: DocumentEvidence): VerificationReport {
  const { shape, crypto, registry, now, input } = evidence;
  const offline = registry === undefined;
  if (!shape.ok) {
    const checks = allNotPerformed('文件格式不符，未核验');
    checks.FORMAT = fail(`不是电子证照导出格式（${LICENCE_EXPORT_FORMAT}）：${shape.problems.join('；')}`);
    return report(
      input,
      null,
      checks,
      { unknownIdentifier: false, sealRevocation: null },
      { signature: null, licence: null, now },
    );
  }
  const document = shape.document;
  const metadata = document.licence.metadata;
  const identifier = metadata.identifier.trim().toUpperCase();
  const checks = allNotPerformed('前面的检查未通过，未核验');
  checks.FORMAT = pass(`电子证照导出格式 ${LICENCE_EXPORT_FORMAT}，含证照元数据、数据项和签章记录`);
  checks.IDENTIFIER = identifierCheck(document);
  const facts: DecisionFacts = { unknownIdentifier: false, sealRevocation: null };
  // Every field shown of the seal comes from the CA-signed seal info, never from the record's unsigned copies.
  const sealInfo = document.signature.seal.sealInfo;
  const signature: SignatureSummary = {
    sealName: sealInfo.property.name,
    esId: sealInfo.esId,
    signingTime: document.signature.signingTime,
    signerOrganisation: crypto?.certificate?.organisationName ?? null,
  };
  const licence = registry ? licenceStateView(registry, now) : null;
  const done = () => report(input, identifier, checks, facts, { signature, licence, now });

  // Every check runs, so that the report shows all that is wrong; the decision takes the first in DSS order.
  if (!crypto) return done();

  const claimed = document.signature.dataHash.value;
  checks.DATA_HASH =
    claimed === crypto.computedDataHash
      ? pass(
          `按 RFC 8785 规范化后的证照元数据与数据项的 SHA-256 摘要与签章记录一致（${claimed.slice(0, 16)}…）`,
        )
      : fail(
          `证照元数据与数据项的 SHA-256 摘要为 ${crypto.computedDataHash.slice(0, 16)}…，签章记录中为 ${claimed.slice(0, 16)}…`,
        );
  checks.SIGNED_CONTENT = crypto.signedContentMatches
    ? pass('签名原文是签章记录（印章、签章时间、数据摘要、文件标题、用印授权）的规范化内容')
    : fail('签名原文与签章记录中的印章、签章时间、数据摘要或用印授权不一致');
  checks.SIGNATURE = !crypto.certificate
    ? fail('签章人证书无法解析')
    : crypto.signatureVerifies
      ? pass(`签名值用签章人证书的公钥验证通过（${ALGORITHM_LABELS[document.signature.algorithm]}）`)
      : fail('签名值无法用签章人证书的公钥验证');
  checks.CERTIFICATE_CHAIN = !crypto.certificate
    ? fail('签章人证书无法解析')
    : crypto.certificate.issuedByCa
      ? pass(
          crypto.certificate.trustAnchor
            ? `签章人证书由信任列表中的“${crypto.certificate.trustAnchor}”签发${signature.signerOrganisation ? `（${signature.signerOrganisation}）` : ''}`
            : `签章人证书由平台信任的电子政务 CA 签发${signature.signerOrganisation ? `（${signature.signerOrganisation}）` : ''}`,
        )
      : fail('签章人证书不是由平台信任的电子政务 CA 签发的');
  checks.SEAL_BINDING = !crypto.boundInSealInfo
    ? // SM-6
      fail('签章人证书不是印章信息中绑定的机构数字证书')
    : crypto.sealMakerSignatureValid
      ? pass(`签章人证书是印章“${sealInfo.property.name}”绑定的证书，制章人签名有效`)
      : fail('印章信息的制章人（CA）签名无效，或签章记录中的印章名称、类型、编码与印章信息不一致');
  const uscc = crypto.certificate?.organisationIdentifier ?? null;
  checks.ISSUER_MATCH = !crypto.certificate
    ? fail('签章人证书无法解析')
    : uscc === metadata.issuer.code
      ? pass(`签章人证书的统一社会信用代码 ${uscc} 即颁发机构“${metadata.issuer.name}”的代码`)
      : fail(
          `签章人证书的统一社会信用代码 ${uscc ?? '（无）'} 不是颁发机构“${metadata.issuer.name}”的代码 ${metadata.issuer.code}`,
        );
  checks.PURPOSE = purposeCheck(document);
  checks.SEAL_KIND = sealKindCheck(document, registry);
  checks.VALID_AT_SIGNING_TIME = crypto.certificate
    ? validityCheck(document, crypto)
    : fail('签章人证书无法解析');

  checks.LOG_INCLUSION = logInclusionCheck(crypto.logInclusion);
  if (offline && evidence.registryNotAsked) {
    const why = evidence.registryNotAsked;
    checks.SEAL_STATUS = NOT_PERFORMED(`${why}，未查询印章状态`);
    checks.REGISTRY = NOT_PERFORMED(`${why}，未查询登记记录`);
    checks.DISPUTE = NOT_PERFORMED(`${why}，未查询异议标注`);
  } else if (offline) {
    checks.SEAL_STATUS = NOT_PERFORMED('离线核验：未查询平台的印章状态');
    checks.REGISTRY = NOT_PERFORMED('离线核验：未查询平台登记记录');
    checks.DISPUTE = NOT_PERFORMED('离线核验：未查询平台的异议标注');
  } else if (registry === null) {
    facts.unknownIdentifier = true;
    checks.SEAL_STATUS = NOT_PERFORMED('平台没有该证照的登记记录，未查询印章状态');
    checks.REGISTRY = fail('平台没有该证照标识的登记记录');
    checks.DISPUTE = NOT_PERFORMED('平台没有该证照的登记记录，未查询异议标注');
  } else {
    const seal = sealStatusCheck(document, registry);
    checks.SEAL_STATUS = seal.result;
    facts.sealRevocation = seal.revocation;
    checks.REGISTRY = registryCheck(input, registry, crypto);
    checks.DISPUTE = disputeCheck(registry);
  }
  return done();
}

/**
 * The report for an identifier that cannot be looked up as a document: malformed (FAILED/FORMAT_FAILURE) or
 * unknown to the platform (INDETERMINATE/SIGNED_DATA_NOT_FOUND).
 */
export function assessUnfoundIdentifier(identifier: string, now: Date): VerificationReport {
  const normalised = identifier.trim().toUpperCase();
  const parsed = parseLicenceIdentifier(normalised);
  const checks = allNotPerformed('未找到证照，未核验');
  checks.FORMAT = NOT_PERFORMED('按证照标识核验，无文件');
  const facts: DecisionFacts = { unknownIdentifier: false, sealRevocation: null };
  if (!parsed.ok) {
    checks.IDENTIFIER = fail(parsed.reason);
    for (const id of CHECK_IDS.filter((c) => c !== 'FORMAT' && c !== 'IDENTIFIER'))
      checks[id] = NOT_PERFORMED('证照标识不合规，未核验');
  } else {
    checks.IDENTIFIER = pass('结构符合 GB/T 36904，校验位正确');
    checks.REGISTRY = fail('平台没有该证照标识的登记记录');
    facts.unknownIdentifier = true;
  }
  return report('identifier', parsed.ok ? normalised : null, checks, facts, {
    signature: null,
    licence: null,
    now,
  });
}
