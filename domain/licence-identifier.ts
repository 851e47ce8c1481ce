/**
 * The licence identifier (证照标识) in the GB/T 36904 shape (DESIGN §3):
 * `1.2.156.3005.2.<type code: 21>.<issuer USCC: 18>.<serial>.<version: 3>.<check>`, the check character by
 * ISO 7064 MOD 37,36 over type code + issuer code + serial + version. Pure, so that the API, the activities and
 * an offline verifier compute it the same way.
 */
export const IDENTIFIER_PREFIX = '1.2.156.3005.2';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** ISO 7064 MOD 37,36 (hybrid system): the check character for `payload` (characters `0-9A-Z`). */
export function mod3736CheckChar(payload: string): string {
  let p = 36;
  for (const ch of payload.toUpperCase()) {
    const a = ALPHABET.indexOf(ch);
    if (a < 0) throw new Error(`character "${ch}" is outside 0-9A-Z`);
    let s = (p + a) % 36;
    if (s === 0) s = 36;
    p = (2 * s) % 37;
  }
  // The check c makes (P + c) mod 36 = 1.
  return ALPHABET[(((1 - p) % 36) + 36) % 36]!;
}

/** A licence-type code: the defining body's 18-character USCC plus a 3-digit sequence (DESIGN §3). */
export const TYPE_CODE_PATTERN = /^[0-9A-HJ-NPQRTUWXY]{18}\d{3}$/;
/** The serial within one type and issuer: digits, at least 7 (zero-padded), growing as needed. */
export const SERIAL_PATTERN = /^\d{7,12}$/;

export interface IdentifierParts {
  typeCode: string;
  issuerCode: string;
  serial: string;
  /** 1-based version number. */
  version: number;
}

export function formatVersion(version: number): string {
  if (!Number.isInteger(version) || version < 1 || version > 999)
    throw new Error(`version ${version} out of range`);
  return String(version).padStart(3, '0');
}

export function formatSerial(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new Error(`serial ${n} out of range`);
  return String(n).padStart(7, '0');
}

export function licenceIdentifier(parts: IdentifierParts): string {
  const version = formatVersion(parts.version);
  const check = mod3736CheckChar(`${parts.typeCode}${parts.issuerCode}${parts.serial}${version}`);
  return `${IDENTIFIER_PREFIX}.${parts.typeCode}.${parts.issuerCode}.${parts.serial}.${version}.${check}`;
}

export type ParsedIdentifier =
  { ok: true; parts: IdentifierParts; check: string } | { ok: false; reason: string };

/** Parses and checks an identifier: shape, then check character. */
export function parseLicenceIdentifier(identifier: string): ParsedIdentifier {
  const text = identifier.trim().toUpperCase();
  if (!text.startsWith(`${IDENTIFIER_PREFIX}.`)) {
    return { ok: false, reason: `证照标识应以 ${IDENTIFIER_PREFIX}. 开头` };
  }
  const rest = text.slice(IDENTIFIER_PREFIX.length + 1).split('.');
  if (rest.length !== 5)
    return { ok: false, reason: '证照标识应为 前缀.类型代码.颁发机构代码.流水号.版本号.校验位' };
  const [typeCode, issuerCode, serial, version, check] = rest as [string, string, string, string, string];
  if (!TYPE_CODE_PATTERN.test(typeCode))
    return { ok: false, reason: '证照类型代码应为 21 位（统一社会信用代码 + 3 位顺序号）' };
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(issuerCode))
    return { ok: false, reason: '颁发机构代码应为 18 位统一社会信用代码' };
  if (!SERIAL_PATTERN.test(serial)) return { ok: false, reason: '流水号应为 7 至 12 位数字' };
  if (!/^\d{3}$/.test(version) || version === '000') return { ok: false, reason: '版本号应为 001 至 999' };
  if (!/^[0-9A-Z]$/.test(check)) return { ok: false, reason: '校验位应为一位数字或字母' };
  const expected = mod3736CheckChar(`${typeCode}${issuerCode}${serial}${version}`);
  if (expected !== check) return { ok: false, reason: `校验位错误：应为 ${expected}` };
  return { ok: true, parts: { typeCode, issuerCode, serial, version: Number(version) }, check };
}
