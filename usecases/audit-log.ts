/**
 * The tamper-evident audit log (LM-25) beyond writing it (db/audit.ts, and the database's trigger that chains every
 * row): the platform's audit key, the daily seal of each finished day's chain heads, and the check behind
 * `npm run audit:verify`.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BrokenRow, SqlRunner, walkAuditChains } from '../db/audit-chain';
import { issueServiceCertificate } from '../pki/certificates';
import { AUDIT_SEAL_FORMAT, AuditSealContent, auditSealProblem, signAuditSeal } from '../pki/audit-seal';
import { decryptPrivateKey, encryptPrivateKey } from '../pki/key-encryption';
import { CA_ID, loadCertificateAuthority } from './certificate-store';

export const AUDIT_KEY_NAME = '晋城市电子证照与电子印章平台审计日志封存';

/** A day is sealed once it has been over this long, so that transactions begun before midnight have committed. */
export const SEAL_GRACE_MS = 10 * 60_000;

/** Issues the audit key on first start (a certificate from the CA); concurrent starters keep the first one. */
export async function ensureAuditSigningKey(em: EntityManager, masterKey: string): Promise<void> {
  const existing = await em.execute(`select 1 from audit_signing_key limit 1`);
  if (existing.length > 0) return;
  const ca = await loadCertificateAuthority(em, masterKey);
  const now = new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
  const issued = issueServiceCertificate(ca, AUDIT_KEY_NAME, {
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
  });
  // One row only: the advisory lock makes concurrent first starts agree.
  await em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('audit_signing_key'))`);
    const again = await tx.execute(`select 1 from audit_signing_key limit 1`);
    if (again.length > 0) return;
    await tx.execute(
      `insert into audit_signing_key (id, certificate_pem, private_key_encrypted) values (?, ?, ?)`,
      [randomUUID(), issued.certificatePem, encryptPrivateKey(issued.privateKeyPem, masterKey)],
    );
  });
}

function shanghaiDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * Seals every finished day that has chains and no seal yet: its chains' heads and row count, signed with the
 * audit key, in `audit_day_seal` (insert-only; a day already sealed by another process is left alone).
 * Returns the days sealed.
 */
export async function sealAuditDays(em: EntityManager, masterKey: string, now: Date): Promise<string[]> {
  const before = shanghaiDay(new Date(now.getTime() - SEAL_GRACE_MS));
  const days = await em.execute<Array<{ day: string }>>(
    `select distinct to_char(h.chain_day, 'YYYY-MM-DD') as day from audit_chain_head h
      where h.chain_day < ?::date and not exists (select 1 from audit_day_seal s where s.day = h.chain_day)
      order by 1`,
    [before],
  );
  if (days.length === 0) return [];
  const [key] = await em.execute<Array<{ certificate_pem: string; private_key_encrypted: string }>>(
    `select certificate_pem, private_key_encrypted from audit_signing_key order by created_at limit 1`,
  );
  if (!key) throw new Error('the audit signing key is missing (prepareDatabase creates it)');
  const privateKeyPem = decryptPrivateKey(key.private_key_encrypted, masterKey);
  const sealed: string[] = [];
  for (const { day } of days) {
    const chains = await em.execute<Array<{ part: string; seq: number; hash: string }>>(
      `select chain_part as part, seq, hash from audit_chain_head where chain_day = ?::date order by chain_part`,
      [day],
    );
    const [{ n }] = await em.execute<Array<{ n: string }>>(
      `select count(*)::text as n from audit_event where chain_day = ?::date`,
      [day],
    );
    const content: AuditSealContent = {
      format: AUDIT_SEAL_FORMAT,
      day,
      rowCount: Number(n),
      chains: chains.map((c) => ({ part: c.part, seq: Number(c.seq), hash: c.hash })),
    };
    const signed = signAuditSeal(content, privateKeyPem);
    const inserted = await em.execute(
      `insert into audit_day_seal (day, row_count, chains, head_hash, signed_content, signature, certificate_pem)
       values (?::date, ?, ?::jsonb, ?, ?, ?, ?) on conflict (day) do nothing returning day`,
      [
        day,
        content.rowCount,
        JSON.stringify(content.chains),
        signed.headHash,
        signed.signedContent,
        signed.signature,
        key.certificate_pem,
      ],
    );
    if (inserted.length > 0) sealed.push(day);
  }
  return sealed;
}

export interface AuditVerification {
  ok: boolean;
  rows: number;
  chains: number;
  sealedDays: number;
  /** Every problem found, the first broken row first (chain order: day, chain, seq). */
  problems: BrokenRow[];
}

/** `npm run audit:verify`: every chain, every chain head, every day's seal. */
export async function verifyAuditLog(db: SqlRunner): Promise<AuditVerification> {
  const { rows: caRows } = await db.query<{ certificate_pem: string }>(
    `select certificate_pem from certificate_authority where id = $1`,
    [CA_ID],
  );
  const { rows: retained } = await db.query<{ day: string }>(
    `select to_char((now() at time zone 'Asia/Shanghai')::date - interval '3 years', 'YYYY-MM-DD') as day`,
  );
  const retainedFrom = retained[0]!.day;
  const walk = await walkAuditChains(db, retainedFrom);
  const problems = [...walk.broken];
  const missingEnd = (day: string, part: string, seq: number, reason: string) =>
    problems.push({ id: null, day, part, seq, reason });

  const { rows: heads } = await db.query<{ day: string; part: string; seq: number; hash: string }>(
    `select to_char(chain_day, 'YYYY-MM-DD') as day, chain_part as part, seq, hash from audit_chain_head`,
  );
  const headKeys = new Set<string>();
  for (const head of heads) {
    const key = `${head.day}/${head.part}`;
    headKeys.add(key);
    const found = walk.heads.get(key);
    if (head.day < retainedFrom) continue;
    if (!found) missingEnd(head.day, head.part, Number(head.seq), `the chain ${key} has no rows left`);
    else if (found.seq !== Number(head.seq) || found.hash !== head.hash)
      missingEnd(head.day, head.part, found.seq + 1, `rows after seq ${found.seq} of ${key} are missing`);
  }
  for (const [key, found] of walk.heads) {
    if (!headKeys.has(key))
      missingEnd(found.day, found.part, found.seq, `the chain ${key} has no head record`);
  }

  const { rows: seals } = await db.query<{
    day: string;
    signed_content: string;
    signature: string;
    certificate_pem: string;
    head_hash: string;
  }>(
    `select to_char(day, 'YYYY-MM-DD') as day, signed_content, signature, certificate_pem, head_hash
       from audit_day_seal order by day`,
  );
  for (const seal of seals) {
    if (seal.day < retainedFrom) continue;
    const problem = caRows[0]
      ? auditSealProblem(
          {
            signedContent: seal.signed_content,
            signature: seal.signature,
            certificatePem: seal.certificate_pem,
            headHash: seal.head_hash,
          },
          caRows[0].certificate_pem,
        )
      : 'the CA certificate is missing';
    if (problem) {
      missingEnd(seal.day, '(seal)', 0, problem);
      continue;
    }
    const content = JSON.parse(seal.signed_content) as AuditSealContent;
    const sealedParts = new Set(content.chains.map((c) => c.part));
    for (const chain of content.chains) {
      const found = walk.heads.get(`${seal.day}/${chain.part}`);
      if (!found || found.seq !== chain.seq || found.hash !== chain.hash)
        missingEnd(
          seal.day,
          chain.part,
          chain.seq,
          `the sealed head of ${seal.day}/${chain.part} is not in the log`,
        );
    }
    for (const found of walk.heads.values()) {
      if (found.day === seal.day && !sealedParts.has(found.part))
        missingEnd(
          found.day,
          found.part,
          1,
          `the chain ${found.day}/${found.part} was added after the day was sealed`,
        );
    }
    if ((walk.rowsPerDay.get(seal.day) ?? 0) !== content.rowCount)
      missingEnd(
        seal.day,
        '(seal)',
        0,
        `the day holds ${walk.rowsPerDay.get(seal.day) ?? 0} rows, sealed ${content.rowCount}`,
      );
  }

  problems.sort((a, b) =>
    a.day !== b.day
      ? a.day < b.day
        ? -1
        : 1
      : a.part !== b.part
        ? a.part < b.part
          ? -1
          : 1
        : a.seq - b.seq,
  );
  // The first broken row first: a named row before a missing end of the same day.
  problems.sort((a, b) => (a.id === null ? 1 : 0) - (b.id === null ? 1 : 0));
  return {
    ok: problems.length === 0,
    rows: walk.rows,
    chains: walk.heads.size,
    sealedDays: seals.length,
    problems,
  };
}
