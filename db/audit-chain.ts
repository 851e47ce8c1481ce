/**
 * The audit log's hash chains (LM-25), read back and checked. The database links every row on insert (trigger
 * `audit_event_chain`, migration 20261202000100): a chain is one Asia/Shanghai day and one writing session
 * (`chain_part`), and each row carries `seq`, `prev_hash` (the previous row's `hash`, 64 zeros for the first) and
 * `hash` = SHA-256 of its canonical form. The canonical form is rebuilt here from the row's values, independently of
 * the database's function: every field as text, length-prefixed in UTF-8 octets (`<n>:<text>`), `~` for null.
 */
import { createHash } from 'node:crypto';

/** Something that runs SQL with positional `$n` parameters (a `pg` client or pool). */
export interface SqlRunner {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface AuditChainRow {
  id: string;
  chain_day: string;
  chain_part: string;
  seq: string;
  prev_hash: string;
  hash: string;
  event_key: string | null;
  at_us: string;
  actor_user_id: string | null;
  actor_username: string;
  actor_roles: string[];
  actor_organisation_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  outcome: string;
  details: string;
  request_id: string | null;
  ip: string | null;
}

export const GENESIS_HASH = '0'.repeat(64);

const enc = (v: string | null): string => (v === null ? '~' : `${Buffer.byteLength(v, 'utf8')}:${v}`);

export function canonicalAuditRow(r: AuditChainRow): string {
  return [
    'audit-v1|',
    enc(r.chain_day),
    enc(r.chain_part),
    enc(r.seq),
    enc(r.prev_hash),
    enc(r.id),
    enc(r.event_key),
    enc(r.at_us),
    enc(r.actor_user_id),
    enc(r.actor_username),
    enc(String(r.actor_roles.length)),
    ...r.actor_roles.map(enc),
    enc(r.actor_organisation_id),
    enc(r.action),
    enc(r.target_type),
    enc(r.target_id),
    enc(r.outcome),
    enc(r.details),
    enc(r.request_id),
    enc(r.ip),
  ].join('');
}

export function auditRowHash(r: AuditChainRow): string {
  return createHash('sha256').update(canonicalAuditRow(r), 'utf8').digest('hex');
}

const ROW_COLUMNS = `id::text as id, to_char(chain_day, 'YYYY-MM-DD') as chain_day, chain_part, seq::text as seq,
  prev_hash, hash, event_key, (extract(epoch from at) * 1000000)::bigint::text as at_us, actor_user_id,
  actor_username, actor_roles, actor_organisation_id, action, target_type, target_id, outcome,
  details::text as details, request_id, ip`;

/** The rows in chain order, a batch at a time (keyset pagination: the log may hold millions). */
export async function* auditRowsInChainOrder(db: SqlRunner, batch = 2000): AsyncGenerator<AuditChainRow> {
  let after: [string, string, number] | null = null;
  for (;;) {
    const result: { rows: AuditChainRow[] } = after
      ? await db.query<AuditChainRow>(
          `select ${ROW_COLUMNS} from audit_event e
            where (e.chain_day, e.chain_part, e.seq) > ($1::date, $2, $3::int)
            order by e.chain_day, e.chain_part, e.seq limit ${batch}`,
          after,
        )
      : await db.query<AuditChainRow>(
          `select ${ROW_COLUMNS} from audit_event e order by e.chain_day, e.chain_part, e.seq limit ${batch}`,
        );
    const rows = result.rows;
    for (const row of rows) yield row;
    if (rows.length < batch) return;
    const last: AuditChainRow = rows[rows.length - 1]!;
    after = [last.chain_day, last.chain_part, Number(last.seq)];
  }
}

export interface ChainHead {
  day: string;
  part: string;
  seq: number;
  hash: string;
}

export interface BrokenRow {
  /** The row's id, or null when a row is missing (the problem is then about the chain's end). */
  id: string | null;
  day: string;
  part: string;
  seq: number;
  reason: string;
}

export interface ChainWalk {
  rows: number;
  /** Every chain's last row as found, keyed `<day>/<part>`. */
  heads: Map<string, ChainHead>;
  /** Rows per day. */
  rowsPerDay: Map<string, number>;
  /** The first problem of each chain, in chain order. */
  broken: BrokenRow[];
}

/**
 * Walks every chain: each row must follow the previous one (seq + 1, prev_hash = its hash) and carry the hash of
 * its own canonical form. Chains of days older than `retainedFrom` (deleted by the three-year rule, LM-25) may
 * begin after seq 1.
 */
export async function walkAuditChains(db: SqlRunner, retainedFrom: string): Promise<ChainWalk> {
  const walk: ChainWalk = { rows: 0, heads: new Map(), rowsPerDay: new Map(), broken: [] };
  const brokenChains = new Set<string>();
  let current: ChainHead | null = null;
  for await (const row of auditRowsInChainOrder(db)) {
    walk.rows += 1;
    walk.rowsPerDay.set(row.chain_day, (walk.rowsPerDay.get(row.chain_day) ?? 0) + 1);
    const key = `${row.chain_day}/${row.chain_part}`;
    const seq = Number(row.seq);
    const fresh = !current || current.day !== row.chain_day || current.part !== row.chain_part;
    const problem = (reason: string) => {
      if (brokenChains.has(key)) return;
      brokenChains.add(key);
      walk.broken.push({ id: row.id, day: row.chain_day, part: row.chain_part, seq, reason });
    };
    if (fresh) {
      const expired = row.chain_day < retainedFrom;
      if (!expired && seq !== 1) problem(`the chain begins at seq ${seq}: rows 1–${seq - 1} are missing`);
      else if (seq === 1 && row.prev_hash !== GENESIS_HASH)
        problem('the first row does not start from zeros');
    } else if (seq !== current!.seq + 1) {
      problem(`seq ${seq} follows ${current!.seq}: rows in between are missing`);
    } else if (row.prev_hash !== current!.hash) {
      problem('prev_hash is not the previous row’s hash');
    }
    if (auditRowHash(row) !== row.hash) problem('the row’s content does not match its hash (edited)');
    current = { day: row.chain_day, part: row.chain_part, seq, hash: row.hash };
    walk.heads.set(key, current);
  }
  return walk;
}
