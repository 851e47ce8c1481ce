/**
 * The certificate caches (pki/certificate-cache.ts): a strict PEM parse (one block, nothing around it), one entry
 * per certificate however it is sent (keyed by fingerprint), and LRU bounds in entries and bytes.
 */
import { createCertificateAuthority } from '../../pki/certificates';
import {
  BoundedLru,
  certificateCacheStats,
  CertificateFormatError,
  clearCertificateCaches,
  strictCertificateDer,
  x509Of,
} from '../../pki/certificate-cache';

const ca = createCertificateAuthority('缓存测试 CA', new Date(Date.UTC(2026, 0, 1)));
const pem = ca.certificatePem;

describe('strict PEM', () => {
  it('accepts the block as written, with CRLF or LF line breaks', () => {
    expect(strictCertificateDer(pem).length).toBeGreaterThan(100);
    expect(strictCertificateDer(pem.replace(/\r\n/g, '\n')).equals(strictCertificateDer(pem))).toBe(true);
  });

  it.each([
    ['trailing junk', `${pem}junk`],
    ['leading junk', `junk\n${pem}`],
    ['two blocks', `${pem}${pem}`],
    ['two final line breaks', `${pem}\n\n`],
    ['a private key block', pem.replace(/CERTIFICATE/g, 'PRIVATE KEY')],
    ['stray characters in the base64', pem.replace(/\n([A-Za-z])/, '\n*$1')],
  ])('refuses %s', (_what, text) => {
    expect(() => strictCertificateDer(text)).toThrow(CertificateFormatError);
    expect(() => x509Of(text)).toThrow(CertificateFormatError);
  });

  it('one certificate is one entry whatever its line breaks', () => {
    clearCertificateCaches();
    x509Of(pem);
    x509Of(pem.replace(/\r\n/g, '\n'));
    expect(certificateCacheStats().parsed.entries).toBe(1);
  });
});

describe('BoundedLru', () => {
  it('evicts the least recently used entry at the entry bound', () => {
    const lru = new BoundedLru<number>({ maxEntries: 2, maxBytes: 1000, maxEntryBytes: 1000 });
    lru.set('a', 1, 10);
    lru.set('b', 2, 10);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3, 10);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
    expect([lru.entries, lru.bytes]).toEqual([2, 20]);
  });

  it('evicts down to the byte bound and does not keep an entry larger than maxEntryBytes', () => {
    const lru = new BoundedLru<number>({ maxEntries: 100, maxBytes: 100, maxEntryBytes: 60 });
    lru.set('a', 1, 40);
    lru.set('b', 2, 40);
    lru.set('c', 3, 40);
    expect([lru.get('a'), lru.entries, lru.bytes]).toEqual([undefined, 2, 80]);
    lru.set('huge', 4, 61);
    expect([lru.get('huge'), lru.entries, lru.bytes]).toEqual([undefined, 2, 80]);
  });

  it('resizing evicts down to the new limits', () => {
    const lru = new BoundedLru<number>({ maxEntries: 10, maxBytes: 1000, maxEntryBytes: 1000 });
    for (let i = 0; i < 10; i++) lru.set(String(i), i, 50);
    lru.resize({ maxEntries: 3, maxBytes: 100, maxEntryBytes: 1000 });
    expect([lru.entries, lru.bytes]).toEqual([2, 100]);
  });
});
