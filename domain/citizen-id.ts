/** Citizen identity number (公民身份号码, GB 11643-1999): 17 digits and a check character. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECKS = '10X98765432';

export function citizenIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('citizen ID body must be 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECKS[sum % 11]!;
}

export function isValidCitizenId(id: string): boolean {
  return /^\d{17}[\dX]$/.test(id) && citizenIdCheckChar(id.slice(0, 17)) === id[17];
}

/** Masks a citizen ID for display: first 6 and last 4 characters stay (the usual government practice). */
export function maskCitizenId(id: string): string {
  return id.length < 10
    ? '*'.repeat(id.length)
    : `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}
