/**
 * Issue 20 Build 1: the transparency log's key and tree-head signing — the signing worker's part (it alone holds the
 * key-encryption secret, issue 11 Build 5). The log key is a key of its own, issued by the CA for this purpose.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { issueServiceCertificate } from '../pki/certificates';
import { decryptPrivateKey, encryptPrivateKey } from '../pki/key-encryption';
import { SignedTreeHead, signTreeHead } from '../pki/transparency-log';
import { loadCertificateAuthority } from './certificate-store';
import { logRootHash, logSize } from './transparency-log';

export const LOG_KEY_NAME = '晋城市电子证照与电子印章平台透明日志';

/** Issues the log key on first start (a certificate from the CA); concurrent starters keep the first one. */
export async function ensureLogSigningKey(em: EntityManager, masterKey: string): Promise<void> {
  const existing = await em.execute(`select 1 from log_signing_key limit 1`);
  if (existing.length > 0) return;
  const ca = await loadCertificateAuthority(em, masterKey);
  const now = new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
  const issued = issueServiceCertificate(ca, LOG_KEY_NAME, {
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
  });
  await em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('log_signing_key'))`);
    const again = await tx.execute(`select 1 from log_signing_key limit 1`);
    if (again.length > 0) return;
    await tx.execute(
      `insert into log_signing_key (id, certificate_pem, private_key_encrypted) values (?, ?, ?)`,
      [randomUUID(), issued.certificatePem, encryptPrivateKey(issued.privateKeyPem, masterKey)],
    );
  });
}

/** Signs a head over the tree as it is now (the signing worker: it alone decrypts the log key). */
export async function signLogTreeHead(
  em: EntityManager,
  masterKey: string,
  now: Date,
): Promise<SignedTreeHead> {
  await ensureLogSigningKey(em, masterKey);
  const [key] = await em.execute<Array<{ certificate_pem: string; private_key_encrypted: string }>>(
    `select certificate_pem, private_key_encrypted from log_signing_key order by created_at limit 1`,
  );
  const size = await logSize(em);
  const root = (await logRootHash(em, size)).toString('hex');
  const sth = signTreeHead(
    { treeSize: size, rootHash: root, timestamp: now.toISOString() },
    decryptPrivateKey(key!.private_key_encrypted, masterKey),
    key!.certificate_pem,
  );
  await em.execute(
    `insert into log_tree_head (tree_size, root_hash, signed_at, signed_content, signature, certificate_pem)
     values (?, ?, ?, ?, ?, ?)`,
    [sth.treeSize, sth.rootHash, now, sth.signedContent, sth.signature, sth.certificatePem],
  );
  return sth;
}
