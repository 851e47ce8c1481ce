/**
 * The tamper-evident audit log (LM-25, issue 11 Build 6) on the real database: the runtime role may only append;
 * the database refuses UPDATE and the DELETE of rows younger than three years whoever asks; every row is chained to
 * the previous one by hash; `npm run audit:verify` finds an edited row (edited as the owner with the trigger
 * disabled) and names it; a finished day is sealed with the audit key.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { AuditEvent } from '../../db/entities';
import { auditRowHash, auditRowsInChainOrder, GENESIS_HASH } from '../../db/audit-chain';
import { sealAuditDays, verifyAuditLog } from '../../usecases/audit-log';
import { TEST_PKI_MASTER_KEY, testServices } from '../support/env';
import { withDatabase } from '../support/global-setup';
import { startTestPlatform, TestPlatform } from '../support/platform';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

let t: TestPlatform;
let owner: Client;

beforeAll(async () => {
  t = await startTestPlatform({ runWorker: false });
  owner = new Client({ connectionString: withDatabase(testServices().postgresAdminUrl, t.databaseName) });
  await owner.connect();
  // A few rows written through the platform, as a signed-in user's actions are (a denied one, a calendar read).
  await t.call('GET', '/api/seal-applications', { as: 'gp-amr-clerk' });
  await t.call('POST', '/api/verify', { as: 'jc-hrss-verifier', body: { identifier: 'not-an-identifier' } });
});
afterAll(async () => {
  await owner?.end();
  await t?.stop();
});

const runtime = () => t.em().getConnection();
const someRowId = async () =>
  (await owner.query<{ id: string }>(`select id::text from audit_event order by id desc limit 1`)).rows[0]!
    .id;

async function auditVerify(): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(
      'npx',
      ['tsx', 'scripts/audit-verify.ts', withDatabase(testServices().postgresAdminUrl, t.databaseName)],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: 'test' } },
    );
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/** Edits a row as the owner, with the protecting trigger disabled for that one statement (as an intruder could). */
async function editBehindTheTriggersBack(sql: string, params: unknown[]): Promise<void> {
  await owner.query('begin');
  await owner.query('alter table audit_event disable trigger audit_event_protect_row');
  await owner.query(sql, params);
  await owner.query('alter table audit_event enable trigger audit_event_protect_row');
  await owner.query('commit');
}

describe('the runtime role may only append', () => {
  it('INSERT works and is chained; UPDATE and DELETE as the runtime role fail', async () => {
    const id = await someRowId();
    await expect(
      runtime().execute(`update audit_event set outcome = 'success' where id = ?`, [id]),
    ).rejects.toThrow(/permission denied/);
    await expect(runtime().execute(`delete from audit_event where id = ?`, [id])).rejects.toThrow(
      /permission denied/,
    );
    await expect(runtime().execute(`truncate audit_event`)).rejects.toThrow(/permission denied/);
    // Nor may it move the chain heads or rewrite a seal.
    await expect(runtime().execute(`delete from audit_chain_head`)).rejects.toThrow(/permission denied/);
    await expect(runtime().execute(`update audit_day_seal set signature = ''`)).rejects.toThrow(
      /permission denied/,
    );
    const [inserted] = await runtime().execute<Array<{ id: string; prev_hash: string; hash: string }>>(
      `insert into audit_event (actor_username, action, target_type, outcome)
       values ('test', 'test.append', 'test', 'success') returning id::text, prev_hash, hash`,
    );
    expect(inserted!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the database refuses UPDATE, TRUNCATE and the DELETE of a row younger than three years, even to the owner', async () => {
    const id = await someRowId();
    await expect(
      owner.query(`update audit_event set outcome = 'success' where id = $1`, [id]),
    ).rejects.toThrow(/insert-only: UPDATE refused/);
    await expect(owner.query(`delete from audit_event where id = $1`, [id])).rejects.toThrow(
      /kept three years: DELETE/,
    );
    await expect(owner.query(`truncate audit_event`)).rejects.toThrow(/insert-only: TRUNCATE refused/);
  });
});

describe('the hash chain', () => {
  it('each row carries the previous row’s hash and the hash of its own canonical form', async () => {
    const byChain = new Map<string, { seq: number; hash: string }>();
    let rows = 0;
    const pool = { query: (sql: string, params?: unknown[]) => owner.query(sql, params) } as never;
    for await (const row of auditRowsInChainOrder(pool)) {
      rows += 1;
      const key = `${row.chain_day}/${row.chain_part}`;
      const previous = byChain.get(key);
      expect(row.prev_hash).toBe(previous ? previous.hash : GENESIS_HASH);
      expect(Number(row.seq)).toBe(previous ? previous.seq + 1 : 1);
      expect(auditRowHash(row)).toBe(row.hash);
      byChain.set(key, { seq: Number(row.seq), hash: row.hash });
    }
    expect(rows).toBeGreaterThan(2);
  });

  it('a retried event with its key is written once and does not move the chain', async () => {
    const key = `test-${Date.now()}`;
    const insert = () =>
      runtime().execute(
        `insert into audit_event (event_key, actor_username, action, target_type, outcome)
         values (?, 'test', 'test.once', 'test', 'success') on conflict (event_key) do nothing`,
        [key],
      );
    await insert();
    await insert();
    expect((await owner.query(`select 1 from audit_event where event_key = $1`, [key])).rowCount).toBe(1);
    expect((await verifyAuditLog(owner as never)).problems).toEqual([]);
  });
});

describe('the auditors’ search page and CSV export', () => {
  const requestId = `audit-page-${Date.now()}`;
  beforeAll(async () => {
    const values = Array.from(
      { length: 60 },
      (_, i) => `('tester', 'test.paged', 'test', 'item-${i}', 'success', '${requestId}')`,
    );
    await runtime().execute(
      `insert into audit_event (actor_username, action, target_type, target_id, outcome, request_id)
       values ${values.join(', ')}`,
    );
  });

  it('an auditor searches by action and request id, 50 rows a page', async () => {
    const first = await t.call('GET', `/audit?action=test.paged&requestId=${requestId}`, {
      as: 'jc-auditor',
    });
    expect(first.status).toBe(200);
    expect(first.body).toContain('共 60 条，第 1 / 2 页');
    expect(first.body.match(/data-audit-id=/g)).toHaveLength(50);
    expect(first.body).toContain('rel="next"');
    const second = await t.call('GET', `/audit?action=test.paged&requestId=${requestId}&page=2`, {
      as: 'jc-auditor',
    });
    expect(second.body.match(/data-audit-id=/g)).toHaveLength(10);
    // Filters by outcome and day (Asia/Shanghai days, inclusive).
    const denied = await t.call('GET', `/audit?requestId=${requestId}&outcome=denied`, { as: 'jc-auditor' });
    expect(denied.body).toContain('共 0 条');
    // The search itself is in the log.
    expect(
      await t.em().count(AuditEvent, { action: 'audit_log.search', actorUsername: 'jc-auditor' }),
    ).toBeGreaterThanOrEqual(3);
  });

  it('a bad filter is a 400 naming it in Chinese', async () => {
    const res = await t.call('GET', '/audit?from=2026-13-40&outcome=maybe', { as: 'jc-auditor' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('开始日期');
    expect(res.body).toContain('结果');
  });

  it('exports what the filters find as CSV (who, what, when, outcome, request id)', async () => {
    const res = await fetch(`${t.url}/audit.csv?requestId=${requestId}`, {
      headers: { authorization: `Bearer ${await t.token('jc-auditor')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('编号,时间,用户,角色,单位,操作,对象类型,对象,结果,请求ID,IP,详情');
    expect(lines).toHaveLength(61);
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\d+,\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},tester,,,test\\.paged,test,item-\\d+,success,${requestId},,`,
      ),
    );
  });

  it('anyone else gets 403, and the refusal is audited', async () => {
    for (const who of ['jc-admin', 'holder-zhangwei']) {
      expect((await t.call('GET', '/audit', { as: who })).status).toBe(403);
      expect((await t.call('GET', '/audit.csv', { as: who })).status).toBe(403);
    }
    expect(
      await t
        .em()
        .count(AuditEvent, { action: 'audit_log.search', actorUsername: 'jc-admin', outcome: 'denied' }),
    ).toBe(1);
  });
});

describe('npm run audit:verify', () => {
  it('passes on the intact log, then names the first broken row of an edited log and exits non-zero', async () => {
    const intact = await auditVerify();
    expect(intact.out).toMatch(/audit log intact/);
    expect(intact.code).toBe(0);

    const { rows } = await owner.query<{ id: string }>(
      `select id::text from audit_event where action = 'licence.verify' order by id desc limit 1`,
    );
    const edited = rows[0]!.id;
    await editBehindTheTriggersBack(
      `update audit_event set details = details || '{"indication":"PASSED"}'::jsonb where id = $1`,
      [edited],
    );
    const broken = await auditVerify();
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`first broken row: audit_event id=${edited} `);
    expect(broken.out).toMatch(/edited/);
  });
});

describe('the daily seal', () => {
  it('seals a finished day with the audit key; the seal verifies, and a row deleted afterwards is found', async () => {
    // Seal as if it were two days later, so that today counts as finished.
    const later = new Date(Date.now() + 2 * 86_400_000);
    const sealed = await sealAuditDays(t.em() as EntityManager, TEST_PKI_MASTER_KEY, later);
    expect(sealed.length).toBeGreaterThan(0);
    const seal = (
      await owner.query<{ signed_content: string; row_count: number }>(
        `select signed_content, row_count from audit_day_seal where day = $1::date`,
        [sealed[sealed.length - 1]],
      )
    ).rows[0]!;
    expect(JSON.parse(seal.signed_content)).toMatchObject({
      format: 'jincheng-audit-seal/1',
      rowCount: seal.row_count,
    });
    // Sealing again does nothing: a day is sealed once.
    expect(await sealAuditDays(t.em() as EntityManager, TEST_PKI_MASTER_KEY, later)).toEqual([]);

    // The only problem left is the row edited above.
    const before = await verifyAuditLog(owner as never);
    expect(before.problems.filter((p) => p.id === null)).toEqual([]);

    // The newest row deleted with its chain head wound back: the chain itself still links, the seal does not.
    const { rows } = await owner.query<{
      id: string;
      chain_day: string;
      chain_part: string;
      seq: number;
      prev_hash: string;
    }>(
      `select id::text, chain_day::text, chain_part, seq, prev_hash from audit_event order by id desc limit 1`,
    );
    const last = rows[0]!;
    await owner.query('begin');
    await owner.query('alter table audit_event disable trigger audit_event_protect_row');
    await owner.query(`delete from audit_event where id = $1`, [last.id]);
    await owner.query('alter table audit_event enable trigger audit_event_protect_row');
    await owner.query(
      `update audit_chain_head set seq = seq - 1, hash = $3 where chain_day = $1::date and chain_part = $2`,
      [last.chain_day, last.chain_part, last.prev_hash],
    );
    await owner.query('commit');
    const after = await verifyAuditLog(owner as never);
    expect(after.ok).toBe(false);
    expect(after.problems.map((p) => p.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/sealed|rows, sealed/)]),
    );
  });
});
