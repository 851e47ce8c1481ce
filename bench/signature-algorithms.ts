/**
 * Issue 20 Build 2: SM2 (SM3withSM2, pki/sm2.ts on sm-crypto-v2) and RSA 2048 (SHA256withRSA, Node's crypto)
 * signing and verification rates side by side, on the platform's own signing path (pki/signature-keys.ts) over a
 * signature record's signed content. Single-threaded, in this process.
 */
import { createCertificateAuthority, issueOrganisationCertificate, KeyAlgorithm } from '../pki/certificates';
import { signBytes, verifyBytes } from '../pki/signature-keys';
import { log } from './stats';

const SUBJECT = {
  name: '泽州县市场监督管理局',
  uscc: '11140525000120379A',
  province: '山西省',
  locality: '晋城市',
};

/** Operations per second of `op` over about `ms` milliseconds (after a short warm-up). */
function rate(op: () => void, ms: number): number {
  for (let i = 0; i < 5; i++) op();
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    op();
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

export function benchSignatureAlgorithms(ms = 2000): void {
  const now = new Date();
  const validity = { notBefore: now, notAfter: new Date(now.getTime() + 365 * 86_400_000) };
  const data = Buffer.from(
    JSON.stringify({ documentHash: 'a'.repeat(64), title: '电子证照签发', time: now }),
  );
  log('\n== Signature algorithms (issue 20): SM2 vs RSA, one core ==');
  const rows: string[] = [];
  for (const algorithm of ['sm2', 'rsa'] as KeyAlgorithm[]) {
    const ca = createCertificateAuthority('基准测试 CA', now, 1, algorithm);
    const cert = issueOrganisationCertificate(ca, SUBJECT, validity, undefined, algorithm);
    const signed = signBytes(data, cert.privateKeyPem);
    if (!verifyBytes(data, signed.signature, cert.certificatePem, signed.algorithm))
      throw new Error(`${algorithm}: the bench's own signature does not verify`);
    const signs = rate(() => signBytes(data, cert.privateKeyPem), ms);
    const verifies = rate(
      () => verifyBytes(data, signed.signature, cert.certificatePem, signed.algorithm),
      ms,
    );
    rows.push(
      `${signed.algorithm.padEnd(14)} sign ${signs.toFixed(0).padStart(7)}/s   verify ${verifies.toFixed(0).padStart(7)}/s`,
    );
  }
  for (const row of rows) log(row);
}

if (require.main === module) benchSignatureAlgorithms();
