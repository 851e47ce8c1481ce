/**
 * Electronic seals: kinds (SM-2), the issuance checks (SM-7), validity (SM-8) and the seal structure, modelled on
 * the seal info of GB/T 38540 (印章信息: header, id, property with certificate list and validity, picture).
 */
export const SEAL_KINDS = ['legal_name', 'internal_body', 'branch', 'business', 'personal_name'] as const;
export type SealKind = (typeof SEAL_KINDS)[number];

export const SEAL_KIND_LABELS: Record<SealKind, string> = {
  legal_name: '法定名称章',
  internal_body: '内设机构章',
  branch: '分支机构章',
  business: '业务专用章',
  personal_name: '电子名章',
};

/** GB/T 38540 seal type codes: 1 = organisation seal, 2 = personal seal. */
export const SEAL_TYPE_CODE: Record<SealKind, 1 | 2> = {
  legal_name: 1,
  internal_body: 1,
  branch: 1,
  business: 1,
  personal_name: 2,
};

export type SealStatus = 'active' | 'cancelled' | 'lost';

export const SEAL_STATUS_LABELS: Record<SealStatus, string> = {
  active: '有效',
  cancelled: '已注销',
  lost: '已挂失',
};

/**
 * SM-7: the name on the imprint must match the name in the bound certificate. For a legal-name seal the seal name
 * is the legal name itself; seals of internal bodies, branches and businesses are named after the legal name
 * (SM-2) and so begin with it; a personal name seal carries the name of its custodian, who is its holder.
 */
export function checkSealName(
  kind: SealKind,
  sealName: string,
  certificateOrganisationName: string,
  custodianName: string,
): { ok: true } | { ok: false; reason: string } {
  const name = sealName.trim();
  const legal = certificateOrganisationName.trim();
  switch (kind) {
    case 'legal_name':
      return name === legal
        ? { ok: true }
        : {
            ok: false,
            // SM-7
            reason: `法定名称章的名称“${name}”与机构数字证书中的单位名称“${legal}”不一致`,
          };
    case 'internal_body':
    case 'branch':
    case 'business':
      return name.startsWith(legal) && name.length > legal.length
        ? { ok: true }
        : {
            ok: false,
            // SM-7
            reason: `印章名称“${name}”应以机构数字证书中的单位名称“${legal}”开头并注明机构或用途`,
          };
    case 'personal_name':
      return name === custodianName.trim()
        ? { ok: true }
        : // SM-7
          { ok: false, reason: `电子名章的名称“${name}”应与持有人姓名“${custodianName}”一致` };
  }
}

/** SM-7: the bound organisation certificate must be valid at the moment the seal is made. */
export function checkCertificateValidity(
  notBefore: Date,
  notAfter: Date,
  revoked: boolean,
  at: Date,
): { ok: true } | { ok: false; reason: string } {
  // SM-7
  if (revoked) return { ok: false, reason: '机构数字证书已吊销' };
  // SM-7
  if (at < notBefore) return { ok: false, reason: '机构数字证书尚未生效' };
  if (at > notAfter) {
    // SM-7
    return { ok: false, reason: `机构数字证书已于 ${notAfter.toISOString()} 过期，请先更新证书` };
  }
  return { ok: true };
}

/** The seal info that the seal maker signs (GB/T 38540 §5, as JSON instead of ASN.1). */
export interface SealInfo {
  header: { id: 'ES'; version: 4; vid: string };
  esId: string;
  property: {
    type: 1 | 2;
    kind: SealKind;
    name: string;
    certListType: 1;
    /** Base64 DER of the bound certificates. */
    certList: string[];
    createDate: string;
    /** SM-8: the seal is valid exactly as long as its certificate. */
    validStart: string;
    validEnd: string;
  };
  picture: { type: 'png' | 'svg'; data: string; widthMm: number; heightMm: number };
}

/** The seal maker's signature over the canonical JSON of the seal info. */
export interface SealMakerSignature {
  /** Issue 20 Build 2: an SM2 seal maker (CA) key signs SM3withSM2. */
  algorithm: 'sha256WithRSAEncryption' | 'SM3withSM2';
  /** SHA-256 fingerprint (hex) of the seal maker's certificate. */
  makerCertificateSha256: string;
  signature: string;
}

/** Seal code: division code (6) + year (4) + serial (8), 18 characters, unique within the platform. */
export const SEAL_SERIAL_MAX = 99_999_999;

export function sealCode(divisionCode: string, year: number, serial: number): string {
  if (!/^\d{6}$/.test(divisionCode)) throw new Error(`division code ${divisionCode} is not 6 digits`);
  if (!Number.isInteger(serial) || serial < 1 || serial > SEAL_SERIAL_MAX) {
    throw new Error(`seal serial ${serial} is outside 1..${SEAL_SERIAL_MAX}`);
  }
  return `${divisionCode}${year}${String(serial).padStart(8, '0')}`;
}
