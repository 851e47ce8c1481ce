/**
 * Parsed X.509 certificates, by fingerprint. Verifying a licence parses the same few certificates again and again
 * (the CA's, the issuing units'), and parsing was the largest cost of a verification (see `npm run bench`); a
 * parsed certificate and its public key are immutable, so they are kept.
 *
 * Anyone may send certificates (`POST /api/verify` is public), so the caches must not be a way to fill memory:
 * - a PEM is parsed strictly — exactly one `CERTIFICATE` block, base64 lines, nothing before or after it (Node's
 *   parser ignores junk around a block, which made every padded copy of one certificate a new entry); anything
 *   else throws `CertificateFormatError` and is never kept;
 * - entries are keyed by the SHA-256 fingerprint of the DER, so one certificate is one entry however it is sent;
 * - both caches are LRU and bounded in entries and in bytes (the DER bytes an entry holds; a certificate larger
 *   than `maxEntryBytes` is parsed but not kept).
 *
 * Issue 19 Build 4: a verification asks for the same PEM texts several times (the chain, two signatures), and the
 * strict check, base64 decoding and fingerprint of each ask cost more than the verification's own RSA checks; so a
 * PEM text already parsed is also found by its text (a third bounded cache, keyed by the text, of entries already
 * kept by fingerprint), and its SM2 public key (null for an RSA key), read with an ASN.1 parser, is kept by text too.
 */
import { createHash, KeyObject, X509Certificate } from 'node:crypto';
import { isStrictCertificatePem } from '../domain/pem';
import { certificateSignatureVerifies, sm2PublicKeyOfCertificate } from './sm2-certificates';

export class CertificateFormatError extends Error {
  constructor(message = 'not exactly one PEM certificate block') {
    super(message);
    this.name = 'CertificateFormatError';
  }
}

/** The DER bytes of a strictly formed PEM certificate; throws `CertificateFormatError` otherwise. */
export function strictCertificateDer(pem: string): Buffer {
  if (!isStrictCertificatePem(pem)) {
    throw new CertificateFormatError();
  }
  const body = pem
    .replace(/^-----BEGIN CERTIFICATE-----/, '')
    .replace(/-----END CERTIFICATE-----(?:\r?\n)?$/, '')
    .replace(/[\r\n]/g, '');
  const der = Buffer.from(body, 'base64');
  // Base64 that does not round-trip (stray padding inside a line) is not a canonical block.
  if (der.toString('base64') !== body) throw new CertificateFormatError('PEM body is not canonical base64');
  return der;
}

export interface CacheLimits {
  maxEntries: number;
  maxBytes: number;
  /** An entry larger than this is not kept. */
  maxEntryBytes: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = {
  maxEntries: 1000,
  maxBytes: 4 * 1024 * 1024,
  maxEntryBytes: 16 * 1024,
};

/** A map bounded in entries and bytes, evicting the least recently used entry first. */
export class BoundedLru<V> {
  private readonly map = new Map<string, { value: V; bytes: number }>();
  private totalBytes = 0;

  constructor(public limits: CacheLimits) {}

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key); // most recently used last
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.limits.maxEntryBytes || bytes > this.limits.maxBytes) return;
    while (
      this.map.size > 0 &&
      (this.map.size >= this.limits.maxEntries || this.totalBytes + bytes > this.limits.maxBytes)
    ) {
      this.delete(this.map.keys().next().value!);
    }
    if (this.limits.maxEntries < 1) return;
    this.map.set(key, { value, bytes });
    this.totalBytes += bytes;
  }

  delete(key: string): void {
    const found = this.map.get(key);
    if (!found) return;
    this.map.delete(key);
    this.totalBytes -= found.bytes;
  }

  clear(): void {
    this.map.clear();
    this.totalBytes = 0;
  }

  /** Applies new limits, evicting down to them. */
  resize(limits: CacheLimits): void {
    this.limits = limits;
    while (this.map.size > 0 && (this.map.size > limits.maxEntries || this.totalBytes > limits.maxBytes)) {
      this.delete(this.map.keys().next().value!);
    }
  }

  get entries(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }
}

interface Parsed {
  certificate: X509Certificate;
  publicKey: KeyObject;
  fingerprint: string;
}

const parsed = new BoundedLru<Parsed>(DEFAULT_CACHE_LIMITS);
/** Issuance answers by `caFingerprint:certificateFingerprint`; an entry costs its key (two hex digests). */
const issued = new BoundedLru<boolean>(DEFAULT_CACHE_LIMITS);
const ISSUED_ENTRY_BYTES = 130;
/** The same entries by their exact PEM text (bytes: the text's length), and each text's SM2 key or null. */
const byPem = new BoundedLru<Parsed>(DEFAULT_CACHE_LIMITS);
const sm2Keys = new BoundedLru<string | null>(DEFAULT_CACHE_LIMITS);

/** Changes both caches' limits (operators' tuning, and tests that need small bounds). */
export function configureCertificateCaches(limits: Partial<CacheLimits>): void {
  const next = { ...parsed.limits, ...limits };
  parsed.resize(next);
  issued.resize(next);
  byPem.resize(next);
  sm2Keys.resize(next);
}

/** The caches' sizes and limits (for tests and operators). */
export function certificateCacheStats(): {
  parsed: { entries: number; bytes: number; limits: CacheLimits };
  issued: { entries: number; bytes: number; limits: CacheLimits };
} {
  return {
    parsed: { entries: parsed.entries, bytes: parsed.bytes, limits: parsed.limits },
    issued: { entries: issued.entries, bytes: issued.bytes, limits: issued.limits },
  };
}

export function clearCertificateCaches(): void {
  parsed.clear();
  issued.clear();
  byPem.clear();
  sm2Keys.clear();
}

function entry(pem: string): Parsed {
  const known = byPem.get(pem);
  // Only while the fingerprint's entry is still kept: the text names no more than the parsed cache holds.
  if (known && parsed.get(known.fingerprint) === known) return known;
  const found = entryOfDer(strictCertificateDer(pem));
  if (parsed.get(found.fingerprint) === found) byPem.set(pem, found, pem.length);
  return found;
}

function entryOfDer(der: Buffer): Parsed {
  const fingerprint = createHash('sha256').update(der).digest('hex');
  let found = parsed.get(fingerprint);
  if (!found) {
    const certificate = new X509Certificate(der); // throws on malformed DER; failures are not kept
    found = { certificate, publicKey: certificate.publicKey, fingerprint };
    parsed.set(fingerprint, found, der.length);
  }
  return found;
}

/**
 * The SM2 public key (hex) of the certificate a strictly formed PEM holds, null when its key is not SM2 (or its DER
 * does not parse); throws `CertificateFormatError` for a PEM that is not strictly one certificate block.
 */
export function sm2PublicKeyOfPem(pem: string): string | null {
  const known = sm2Keys.get(pem);
  if (known !== undefined) return known;
  const key = sm2PublicKeyOfCertificate(strictCertificateDer(pem));
  sm2Keys.set(pem, key, pem.length);
  return key;
}

/** The certificate a PEM holds; throws when it is not exactly one well-formed certificate block. */
export function x509Of(pem: string): X509Certificate {
  return entry(pem).certificate;
}

/** The certificate's public key (X509Certificate.publicKey makes a new KeyObject on every call). */
export function publicKeyOf(pem: string): KeyObject {
  return entry(pem).publicKey;
}

/** Whether `certificatePem` was issued and signed by `caPem`: a pure function of both, so its answer is kept too. */
export function isIssuedByCached(certificatePem: string, caPem: string): boolean {
  const cert = entry(certificatePem);
  const ca = entry(caPem);
  const key = `${ca.fingerprint}:${cert.fingerprint}`;
  let answer = issued.get(key);
  if (answer === undefined) {
    // Node's crypto has no SM2 signature (with the SM2 identifier): an SM3withSM2 certificate, or one with an SM2
    // issuer key, is checked by pki/sm2-certificates.ts (issue 20 Build 2).
    answer =
      cert.certificate.checkIssued(ca.certificate) &&
      (cert.certificate.verify(ca.publicKey) ||
        certificateSignatureVerifies(cert.certificate.raw, ca.certificate.raw));
    issued.set(key, answer, ISSUED_ENTRY_BYTES);
  }
  return answer;
}
