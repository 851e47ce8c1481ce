/**
 * The one form of a PEM certificate the platform accepts from outside: exactly one `CERTIFICATE` block of base64
 * lines, nothing before or after it but one optional final line break. Node's parser ignores junk around a block,
 * so a looser check would let one certificate arrive in endless different texts.
 */

/** Lines are separated by `\n` or `\r\n` (node-forge writes the latter); the pattern is linear on any input. */
export const STRICT_CERTIFICATE_PEM =
  /^-----BEGIN CERTIFICATE-----\r?\n(?:[A-Za-z0-9+/]{1,76}={0,2}\r?\n)+-----END CERTIFICATE-----(?:\r?\n)?$/;

/** The largest PEM accepted at all (a real organisation certificate is under 2 KiB). */
export const MAX_CERTIFICATE_PEM_LENGTH = 64 * 1024;

export function isStrictCertificatePem(pem: unknown): pem is string {
  return (
    typeof pem === 'string' && pem.length <= MAX_CERTIFICATE_PEM_LENGTH && STRICT_CERTIFICATE_PEM.test(pem)
  );
}
