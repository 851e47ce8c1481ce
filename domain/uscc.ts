/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the last a check character.
 * Some codes issued early fail the check yet are legal, so callers warn on a bad check instead of rejecting
 * (DESIGN §3).
 */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export type UsccCheck =
  | { valid: true; checkOk: true }
  | { valid: true; checkOk: false; expected: string }
  | { valid: false; reason: string };

/** The check character for the first 17 characters of a code. */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error('USCC body must have 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_ALPHABET.indexOf(first17[i]!);
    if (value < 0) throw new Error(`character ${first17[i]} is not allowed in a USCC`);
    sum += value * WEIGHTS[i]!;
  }
  const check = 31 - (sum % 31);
  return USCC_ALPHABET[check === 31 ? 0 : check]!;
}

/** Shape and check of a code: a malformed code is invalid; a well-formed code with a wrong check is a warning. */
export function checkUscc(code: string): UsccCheck {
  if (!SHAPE.test(code)) {
    return {
      valid: false,
      reason: '统一社会信用代码应为18位，由数字和除I、O、S、V、Z以外的大写字母组成',
    };
  }
  const expected = usccCheckChar(code.slice(0, 17));
  return expected === code[17] ? { valid: true, checkOk: true } : { valid: true, checkOk: false, expected };
}

/**
 * Organisation code (组织机构代码, GB 11714): 8 characters and a check; it forms characters 9-17 of a USCC.
 * Used to build realistic codes for seed data.
 */
export function organisationCodeCheckChar(first8: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = first8[i]!;
    const value = /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55;
    sum += value * weights[i]!;
  }
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

/** Builds a valid USCC from its parts: registration department, organisation kind, division code, org code body. */
export function buildUscc(
  department: string,
  kind: string,
  divisionCode: string,
  orgCodeBody: string,
): string {
  const orgCode = orgCodeBody + organisationCodeCheckChar(orgCodeBody);
  const first17 = `${department}${kind}${divisionCode}${orgCode}`;
  return first17 + usccCheckChar(first17);
}
