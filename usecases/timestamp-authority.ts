/**
 * Issue 18 Build 2: the platform timestamp authority's key (RFC 3161), issued by the CA on first use with a
 * certificate for timestamping only, and kept encrypted in `timestamp_authority_key`. Only the signing worker
 * calls this (it decrypts keys). Concurrent first users keep the first key (an advisory lock).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { issueServiceCertificate } from '../pki/certificates';
import { decryptPrivateKey, encryptPrivateKey } from '../pki/key-encryption';
import { TimestampAuthorityKey, TSA_NAME } from '../pki/tsa';
import { loadCertificateAuthority } from './certificate-store';

type KeyRow = { certificate_pem: string; private_key_encrypted: string };
const SELECT_KEY = `select certificate_pem, private_key_encrypted from timestamp_authority_key
  order by created_at limit 1`;

export async function timestampAuthorityKey(
  em: EntityManager,
  masterKey: string,
): Promise<TimestampAuthorityKey> {
  const ca = await loadCertificateAuthority(em, masterKey);
  let [row] = await em.execute<KeyRow[]>(SELECT_KEY);
  if (!row) {
    const now = new Date();
    const notAfter = new Date(now);
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
    const issued = issueServiceCertificate(
      ca,
      TSA_NAME,
      { notBefore: new Date(now.getTime() - 60_000), notAfter },
      'timeStamping',
    );
    await em.transactional(async (tx) => {
      await tx.execute(`select pg_advisory_xact_lock(hashtext('timestamp_authority_key'))`);
      const [again] = await tx.execute<KeyRow[]>(SELECT_KEY);
      if (again) return;
      await tx.execute(
        `insert into timestamp_authority_key (id, certificate_pem, private_key_encrypted) values (?, ?, ?)`,
        [randomUUID(), issued.certificatePem, encryptPrivateKey(issued.privateKeyPem, masterKey)],
      );
    });
    [row] = await em.execute<KeyRow[]>(SELECT_KEY);
  }
  return {
    certificatePem: row!.certificate_pem,
    privateKeyPem: decryptPrivateKey(row!.private_key_encrypted, masterKey),
    chainPems: [ca.certificatePem],
  };
}
