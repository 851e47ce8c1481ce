/**
 * Parsed X.509 certificates, by PEM. Verifying a licence parses the same few certificates again and again (the
 * CA's, the issuing units'), and parsing was the largest cost of a verification (see `npm run bench`); a parsed
 * certificate and its public key are immutable, so they are kept, a bounded number of them.
 */
import { KeyObject, X509Certificate } from 'node:crypto';

const MAX_ENTRIES = 2000;
const parsed = new Map<string, { certificate: X509Certificate; publicKey: KeyObject }>();

function entry(pem: string): { certificate: X509Certificate; publicKey: KeyObject } {
  let found = parsed.get(pem);
  if (!found) {
    const certificate = new X509Certificate(pem); // throws on a malformed PEM; failures are not kept
    found = { certificate, publicKey: certificate.publicKey };
    if (parsed.size >= MAX_ENTRIES) parsed.delete(parsed.keys().next().value!);
    parsed.set(pem, found);
  }
  return found;
}

/** The certificate a PEM holds; throws when it does not parse, as `new X509Certificate` does. */
export function x509Of(pem: string): X509Certificate {
  return entry(pem).certificate;
}

/** The certificate's public key (X509Certificate.publicKey makes a new KeyObject on every call). */
export function publicKeyOf(pem: string): KeyObject {
  return entry(pem).publicKey;
}

const issued = new Map<string, boolean>();

/** Whether `certificatePem` was issued and signed by `caPem`: a pure function of both, so its answer is kept too. */
export function isIssuedByCached(certificatePem: string, caPem: string): boolean {
  const key = `${caPem}\n${certificatePem}`;
  let answer = issued.get(key);
  if (answer === undefined) {
    const cert = x509Of(certificatePem);
    const ca = x509Of(caPem);
    answer = cert.checkIssued(ca) && cert.verify(publicKeyOf(caPem));
    if (issued.size >= MAX_ENTRIES) issued.delete(issued.keys().next().value!);
    issued.set(key, answer);
  }
  return answer;
}
