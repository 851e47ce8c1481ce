/**
 * Issue 20 Build 1, the transparency log on the real platform (PostgreSQL, Temporal, the signing worker): every
 * issuance, new version, lifecycle event and seal status change becomes a leaf, appended in batches off the
 * issuance's path; an administrator signs a tree head on demand (the Schedule does it at a fixed interval); each
 * leaf has an inclusion proof that verifies against the signed tree head; the export carries its proof and
 * `POST /api/verify` reports LOG_INCLUSION; consistency proofs between published sizes verify; bad queries are 400
 * naming the field; and `npm run log:monitor` reports an inconsistency when a leaf is altered or removed in the
 * database.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { LicenceEvent } from '../../db/licence-entities';
import {
  completedNodes,
  consistencyProof,
  inclusionProof,
  leafHash,
  NodeKey,
  nodeHash,
  rangeHash,
} from '../../pki/merkle-tree';
import { licenceLogLeaf, type LicenceExport } from '../../pki/licence-document';
import {
  consistencyProblem,
  inclusionProblem,
  LogLeafContent,
  logLeafHash,
  SignedTreeHead,
  treeHeadProblem,
} from '../../pki/transparency-log';
import { appendLogBatch } from '../../usecases/transparency-log';
import { onDemandLogRoundId } from '../../usecases/transparency-log-schedule';
import { testServices } from '../support/env';
import { GoMerkleAnswer, runGoTool } from '../support/go-tools';
import { withDatabase } from '../support/global-setup';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  changeBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

let t: TestPlatform;
let owner: Client;
let caPem: string;
let first: { identifier: string; caseId: string; data: Record<string, unknown> };
let version2: string;
let eventLeaf: LogLeafContent;
let head: SignedTreeHead;

const signTreeHead = async (): Promise<SignedTreeHead> => {
  const res = await t.call('POST', '/api/transparency-log/tree-heads', { as: 'jc-admin' });
  if (res.status !== 201) throw new Error(`sign: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};
const exportOf = async (identifier: string): Promise<LicenceExport> => {
  const res = await t.call('GET', `/api/licenses/${identifier}/export`, { as: 'zz-amr-system' });
  expect(res.status).toBe(200);
  return res.body;
};
const numbers = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);
/** Entries queued as the triggers queue them (through the owner's connection), identified `prefix` + number. */
const queueEntries = (prefix: string, ns: number[], options: { asIds?: boolean } = {}) =>
  owner.query(
    `insert into log_outbox (${options.asIds ? 'id, ' : ''}kind, identifier, hash, event_time)
     select ${options.asIds ? 'g, ' : ''}'licence.issuance', $1 || g, encode(sha256(convert_to(g::text, 'UTF8')), 'hex'),
            '2026-12-04T00:00:00.000Z'
       from unnest($2::bigint[]) g`,
    [prefix, ns],
  );
const proofFor = (leaf: LogLeafContent, treeSize?: number) =>
  t.call(
    'GET',
    `/api/transparency-log/proof/inclusion?leafHash=${logLeafHash(leaf).toString('hex')}${treeSize ? `&treeSize=${treeSize}` : ''}`,
  );

beforeAll(async () => {
  t = await startTestPlatform();
  owner = new Client({ connectionString: withDatabase(testServices().postgresAdminUrl, t.databaseName) });
  await owner.connect();
  caPem = (await t.call('GET', '/ca.pem')).body as string;
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  const body = businessLicenceBody();
  const issued = await issueLicence(t, body);
  first = { identifier: issued.licence.identifier, caseId: body.caseId, data: body.data };
  const changed = await t.call('POST', `/api/licenses/${first.identifier}/versions`, {
    as: 'zz-amr-system',
    body: changeBody(first),
  });
  expect([200, 201, 202]).toContain(changed.status);
  for (let i = 0; i < 300 && !version2; i++) {
    const versions = await t.call('GET', `/api/licenses/${first.identifier}/versions`, {
      as: 'zz-amr-system',
    });
    const v2 = (versions.body.items as Array<{ identifier: string; version: number }>).find(
      (v) => v.version === 2,
    );
    if (v2) version2 = v2.identifier;
    else await new Promise((r) => setTimeout(r, 100));
  }
  const nextDue = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
  const event = await t.call('POST', `/api/licenses/${version2}/events`, {
    as: 'zz-amr-system',
    body: {
      caseId: `EV-${Date.now()}`,
      kind: 'inspection_passed',
      nextDueDate: nextDue,
      legalBasis: '《中华人民共和国市场主体登记管理条例》',
      reason: '年检合格',
    },
  });
  if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
  const row = await t
    .em()
    .findOneOrFail(LicenceEvent, { id: event.body.event.id }, { disableIdentityMap: true });
  eventLeaf = {
    kind: 'licence.event.inspection_passed',
    identifier: version2,
    hash: row.dataHash!,
    time: (row.signature as { signingTime: string }).signingTime,
  };
  head = await signTreeHead();
}, 180_000);

afterAll(async () => {
  await owner?.end();
  await t?.stop();
});

describe('leaves and signed tree heads', () => {
  it('a platform administrator signs a tree head on demand; it verifies with the CA certificate alone', async () => {
    expect(head.treeSize).toBeGreaterThanOrEqual(3);
    expect(treeHeadProblem(head, caPem)).toBeNull();
    const latest = await t.call('GET', '/api/transparency-log/tree-head');
    expect(latest.status).toBe(200);
    expect(latest.body.treeSize).toBe(head.treeSize);
    expect((await owner.query(`select count(*)::int as n from log_outbox`)).rows[0].n).toBe(0);
  });

  it('nobody but a platform administrator signs one (403, audited); without a login 401', async () => {
    const res = await t.call('POST', '/api/transparency-log/tree-heads', { as: 'zz-amr-clerk' });
    expect(res.status).toBe(403);
    expect((await t.call('POST', '/api/transparency-log/tree-heads')).status).toBe(401);
    const audited = await owner.query(
      `select count(*)::int as n from audit_event where action = 'transparency_log.sign' and outcome = 'denied'`,
    );
    expect(audited.rows[0].n).toBe(1);
  });

  it('the issuance, the new version, the lifecycle event and the seal status changes each have an inclusion proof that verifies', async () => {
    const leaves: LogLeafContent[] = [
      licenceLogLeaf(await exportOf(first.identifier)),
      licenceLogLeaf(await exportOf(version2)),
      eventLeaf,
    ];
    expect(leaves.map((l) => l.kind)).toEqual([
      'licence.issuance',
      'licence.version',
      'licence.event.inspection_passed',
    ]);
    const seals = await t.call(
      'GET',
      `/api/transparency-log/leaves?start=0&end=${Math.min(head.treeSize, 1000)}`,
    );
    expect(seals.status).toBe(200);
    const sealLeaf = (seals.body.leaves as Array<{ kind: string; leaf: string }>).find((l) =>
      l.kind.startsWith('seal.status.'),
    )!;
    expect(sealLeaf).toBeDefined();
    leaves.push(JSON.parse(sealLeaf.leaf) as LogLeafContent);
    for (const leaf of leaves) {
      const res = await proofFor(leaf);
      expect(res.status).toBe(200);
      expect(inclusionProblem(leaf, { ...res.body, treeHead: head }, caPem)).toBeNull();
    }
  });

  it('the export carries its inclusion proof and tree head; POST /api/verify reports LOG_INCLUSION', async () => {
    const exported = await exportOf(first.identifier);
    expect(exported.transparency).toMatchObject({ treeHead: { treeSize: head.treeSize } });
    for (const body of [{ document: exported }, { identifier: first.identifier }]) {
      const report = (await t.call('POST', '/api/verify', { body })).body;
      expect(report.indication).toBe('PASSED');
      expect(report.checks.find((c: { id: string }) => c.id === 'LOG_INCLUSION')).toMatchObject({
        passed: true,
        label: '透明日志收录',
      });
    }
    const forged = JSON.parse(JSON.stringify(exported)) as LicenceExport;
    forged.transparency!.leafIndex = (forged.transparency!.leafIndex + 1) % head.treeSize;
    const report = (await t.call('POST', '/api/verify', { body: { document: forged } })).body;
    expect([report.indication, report.subIndication]).toEqual(['FAILED', 'LOG_INCLUSION_FAILURE']);
  });

  it('consistency proofs between published sizes verify (every earlier size against the latest)', async () => {
    const before = head;
    await issueLicence(t, businessLicenceBody());
    const after = await signTreeHead();
    expect(after.treeSize).toBe(before.treeSize + 1);
    for (let m = 1; m <= after.treeSize; m++) {
      const proof = await t.call(
        'GET',
        `/api/transparency-log/proof/consistency?first=${m}&second=${after.treeSize}`,
      );
      expect(proof.status).toBe(200);
      const older = await t.call('GET', `/api/transparency-log/leaves?start=0&end=${m}`);
      const root = rootOf((older.body.leaves as Array<{ leaf: string }>).map((l) => leafHash(l.leaf)));
      expect(
        consistencyProblem({ ...before, treeSize: m, rootHash: root }, after, proof.body.consistencyProof),
      ).toBeNull();
    }
    head = after;
  });

  it('the log agrees with an independent implementation (Go, transparency-dev/merkle): roots, inclusion and consistency proofs', async () => {
    const listed = await t.call('GET', `/api/transparency-log/leaves?start=0&end=${head.treeSize}`);
    const leaves = (listed.body.leaves as Array<{ leaf: string }>).map((l) => l.leaf);
    expect(leaves).toHaveLength(head.treeSize);
    const inclusion = [];
    for (let index = 0; index < head.treeSize; index++) {
      const res = await t.call(
        'GET',
        `/api/transparency-log/proof/inclusion?leafHash=${leafHash(leaves[index]!).toString('hex')}&treeSize=${head.treeSize}`,
      );
      expect([res.status, res.body.leafIndex]).toEqual([200, index]);
      inclusion.push({ index, size: head.treeSize, proof: res.body.inclusionProof as string[] });
    }
    const consistency = [];
    for (let m = 1; m <= head.treeSize; m++) {
      const res = await t.call(
        'GET',
        `/api/transparency-log/proof/consistency?first=${m}&second=${head.treeSize}`,
      );
      consistency.push({ first: m, second: head.treeSize, proof: res.body.consistencyProof as string[] });
    }
    const go = await runGoTool<GoMerkleAnswer>('merkle-check', { leaves, inclusion, consistency });
    expect(go.roots[head.treeSize]).toBe(head.rootHash);
    expect(go.inclusion.map((a) => a.proof)).toEqual(inclusion.map((q) => q.proof));
    expect(go.inclusion.every((a) => a.verifies === true)).toBe(true);
    expect(go.consistency.map((a) => a.proof)).toEqual(consistency.map((q) => q.proof));
    expect(go.consistency.every((a) => a.verifies === true)).toBe(true);
  });

  it.each([
    ['/api/transparency-log/proof/inclusion?leafHash=xyz', 'leafHash'],
    ['/api/transparency-log/proof/inclusion?leafHash=' + '0'.repeat(64) + '&treeSize=abc', 'treeSize'],
    ['/api/transparency-log/proof/inclusion?leafHash=' + '0'.repeat(64) + '&treeSize=999999', 'treeSize'],
    ['/api/transparency-log/proof/consistency?first=5&second=2', 'first'],
    ['/api/transparency-log/proof/consistency?first=1', 'second'],
    ['/api/transparency-log/leaves?start=0&end=5000', 'end'],
    ['/api/transparency-log/leaves?start=-1&end=2', 'start'],
    ['/api/transparency-log/leaves?start=0&end=1&extra=1', 'extra'],
  ])('bad query %s: 400 naming %s', async (url, field) => {
    const res = await t.call('GET', url);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain(field);
  });

  it('an unknown leaf: 404', async () => {
    const res = await t.call('GET', `/api/transparency-log/proof/inclusion?leafHash=${'ab'.repeat(32)}`);
    expect(res.status).toBe(404);
  });

  it('entries are appended in the order they were queued, across a change in the number of digits of their ids', async () => {
    // Taken in the text order of their ids (the bug this guards against), '100000' came before '99995'.
    const ids = numbers(99_995, 10);
    await queueEntries('ORDER-', ids, { asIds: true });
    const before = head.treeSize;
    head = await signTreeHead();
    const listed = await t.call('GET', `/api/transparency-log/leaves?start=${before}&end=${head.treeSize}`);
    const appended = (listed.body.leaves as Array<{ identifier: string }>)
      .map((l) => l.identifier)
      .filter((identifier) => identifier.startsWith('ORDER-'));
    expect(appended).toEqual(ids.map((id) => `ORDER-${id}`));
  });

  it('after appends of several batches, every stored node is its subtree hash recomputed from the stored leaves', async () => {
    await queueEntries('BATCH-', numbers(1, 2500));
    head = await signTreeHead(); // three batches (up to 1,000 each), the first from a size not a power of two
    type LeafRow = { idx: string; leaf: string; leaf_hash: Buffer };
    const leaves: LeafRow[] = (await owner.query(`select idx, leaf, leaf_hash from log_leaf order by idx`))
      .rows;
    expect(leaves.map((l) => Number(l.idx))).toEqual([...leaves.keys()]);
    expect(leaves).toHaveLength(head.treeSize);
    const hashes = leaves.map((l) => leafHash(l.leaf));
    expect(leaves.map((l) => l.leaf_hash.toString('hex'))).toEqual(hashes.map((h) => h.toString('hex')));
    const expected = new Map(hashes.map((h, i) => [`0:${i}`, h.toString('hex')]));
    for (const n of completedNodes(0, hashes.length, (k) => hashes[k.index]!))
      expected.set(`${n.level}:${n.index}`, n.hash.toString('hex'));
    type NodeRow = { level: number; idx: string; hash: string };
    const stored: NodeRow[] = (
      await owner.query(`select level, idx, encode(hash, 'hex') as hash from log_node`)
    ).rows;
    expect(new Map(stored.map((n) => [`${n.level}:${n.idx}`, n.hash]))).toEqual(expected);
    expect(rootOf(hashes)).toBe(head.rootHash);
  });

  it('an append that fails part-way leaves nothing behind; run again, it appends each entry once', async () => {
    await queueEntries('RETRY-', numbers(1, 5));
    const size = head.treeSize;
    const tail = async () =>
      (await owner.query(`select identifier from log_leaf where idx >= $1 order by idx`, [size])).rows.map(
        (r: { identifier: string }) => r.identifier,
      );
    // A node already where the batch's first leaf goes: the leaves are written, then the nodes fail.
    await owner.query(`insert into log_node (level, idx, hash) values (0, $1, '\\x00')`, [size]);
    await expect(appendLogBatch(t.em())).rejects.toThrow(/log_node_pkey/);
    expect(await tail()).toEqual([]);
    const waiting = await owner.query(
      `select count(*)::int as n from log_outbox where identifier like 'RETRY-%'`,
    );
    expect(waiting.rows[0].n).toBe(5);

    await owner.query(`delete from log_node where level = 0 and idx = $1`, [size]);
    expect(await appendLogBatch(t.em())).toBe(5);
    expect(await appendLogBatch(t.em())).toBe(0);
    expect(await tail()).toEqual(numbers(1, 5).map((g) => `RETRY-${g}`));
    head = await signTreeHead();
    const all = await owner.query(`select leaf from log_leaf order by idx`);
    expect(rootOf(all.rows.map((r: { leaf: string }) => leafHash(r.leaf)))).toBe(head.rootHash);
  });

  it('a round still appending when the request stops waiting answers 202 with what waits; asking again joins it and gets the head', async () => {
    // An append slower than the request's 20 s (a million converted licences, issue 19), made here by holding the
    // lock every append takes: the round waits for it, as it would wait for a long backlog.
    await queueEntries('SLOW-', numbers(1, 20));
    const locker = new Client({
      connectionString: withDatabase(testServices().postgresAdminUrl, t.databaseName),
    });
    await locker.connect();
    try {
      await locker.query(`begin`);
      await locker.query(`select pg_advisory_xact_lock(hashtext('transparency_log'))`);
      const accepted = await t.call('POST', '/api/transparency-log/tree-heads', { as: 'jc-admin' });
      expect(accepted.status).toBe(202);
      expect(accepted.body).toEqual({
        status: 'appending',
        waiting: 20,
        message: '日志正在追加，尚有 20 条待追加；追加完成后将签署新的树根，请稍后查看最新树根',
      });
      const round = t.platform.temporal.workflow.getHandle(onDemandLogRoundId(t.platform.ctx.taskQueue));
      const running = await round.describe();
      expect(running.status.name).toBe('RUNNING');
      await locker.query(`commit`);

      const signed = await t.call('POST', '/api/transparency-log/tree-heads', { as: 'jc-admin' });
      expect(signed.status).toBe(201);
      expect(signed.body.treeSize).toBe(head.treeSize + 20);
      expect(treeHeadProblem(signed.body, caPem)).toBeNull();
      // The second request joined the round the first one started: the same run, now completed.
      const done = await round.describe();
      expect(done.runId).toBe(running.runId);
      expect(done.status.name).toBe('COMPLETED');
      head = signed.body;
      const audited = await owner.query(
        `select details from audit_event where action = 'transparency_log.sign' and outcome = 'success'
          order by id desc limit 2`,
      );
      expect(audited.rows.map((r: { details: Record<string, unknown> }) => r.details)).toEqual([
        { treeSize: head.treeSize, rootHash: head.rootHash },
        { status: 'accepted', waiting: 20 },
      ]);
    } finally {
      await locker.end();
    }
  }, 60_000);
});

describe('pki/merkle-tree against an independent implementation (Go, transparency-dev/merkle)', () => {
  it('the same roots, inclusion and consistency proofs over random sizes; a proof with one byte changed fails in Go', async () => {
    let seed = 20;
    const rnd = (below: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % below;
    };
    const n = 300;
    const leaves = Array.from({ length: n }, (_, i) => `{"kind":"test","n":${i},"r":${rnd(1e6)}}`);
    const store = new Map<string, Buffer>();
    leaves.forEach((leaf, i) => store.set(`0:${i}`, leafHash(leaf)));
    const node = (k: NodeKey) => store.get(`${k.level}:${k.index}`)!;
    for (const made of completedNodes(0, n, node)) store.set(`${made.level}:${made.index}`, made.hash);
    const inclusion = [];
    const consistency = [];
    for (let q = 0; q < 400; q++) {
      const size = 1 + rnd(n);
      const index = rnd(size);
      const proof = inclusionProof(index, size, node).map((h) => h.toString('hex'));
      inclusion.push({ index, size, proof: q % 10 === 9 ? flipByte(proof, rnd) : proof });
      const first = 1 + rnd(size);
      const cproof = consistencyProof(first, size, node).map((h) => h.toString('hex'));
      consistency.push({ first, second: size, proof: q % 10 === 9 ? flipByte(cproof, rnd) : cproof });
    }
    const go = await runGoTool<GoMerkleAnswer>('merkle-check', { leaves, inclusion, consistency });
    for (let size = 0; size <= n; size++)
      expect([size, go.roots[size]]).toEqual([size, rangeHash(0, size, node).toString('hex')]);
    inclusion.forEach((q, i) => {
      const tampered = i % 10 === 9 && q.proof.length > 0;
      expect([q.index, q.size, go.inclusion[i]!.verifies]).toEqual([q.index, q.size, !tampered]);
      if (!tampered) expect(go.inclusion[i]!.proof).toEqual(q.proof);
    });
    consistency.forEach((q, i) => {
      const tampered = i % 10 === 9 && q.proof.length > 0;
      expect([q.first, q.second, go.consistency[i]!.verifies]).toEqual([q.first, q.second, !tampered]);
      if (!tampered) expect(go.consistency[i]!.proof).toEqual(q.proof);
    });
  });
});

/** The proof with one byte of one of its hashes changed (an empty proof stays empty). */
function flipByte(proof: string[], rnd: (below: number) => number): string[] {
  if (proof.length === 0) return proof;
  const out = [...proof];
  const which = rnd(out.length);
  const bytes = Buffer.from(out[which]!, 'hex');
  bytes[rnd(bytes.length)] ^= 0x01;
  out[which] = bytes.toString('hex');
  return out;
}

/** MTH over leaf hashes (RFC 9162 §2.1.1), written out here for the test. */
function rootOf(hashes: Buffer[]): string {
  const mth = (d: Buffer[]): Buffer => {
    if (d.length === 1) return d[0]!;
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)));
  };
  return mth(hashes).toString('hex');
}

describe('npm run log:monitor', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'log-monitor-'));
  async function monitor(state: string): Promise<{ code: number; out: string }> {
    try {
      const { stdout, stderr } = await run(
        'npx',
        ['tsx', 'scripts/log-monitor.ts', '--url', t.url, '--state', path.join(stateDir, state)],
        { cwd: ROOT },
      );
      return { code: 0, out: stdout + stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  }

  it('follows the log over time, then reports a leaf altered, a leaf removed and a rewritten tree', async () => {
    const intact = await monitor('watcher.json');
    expect(intact.out).toContain('"consistent":true');
    expect(intact.code).toBe(0);
    await issueLicence(t, businessLicenceBody());
    await signTreeHead();
    const later = await monitor('watcher.json');
    expect([later.code, later.out]).toEqual([0, expect.stringContaining('"consistent":true')]);

    // A leaf's text altered in the database (by someone with the owner's rights): a fresh audit finds it.
    await owner.query(`update log_leaf set leaf = replace(leaf, 'licence.issuance', 'licence.version') where idx = (
                         select min(idx) from log_leaf where kind = 'licence.issuance')`);
    const altered = await monitor('fresh-1.json');
    expect(altered.code).toBe(2);
    expect(altered.out).toMatch(/"consistent":false.*altered/);
    // … and when its leaf hash is altered to match, the leaves no longer make the signed root.
    await owner.query(`update log_leaf set leaf_hash = sha256(decode('00', 'hex') || convert_to(leaf, 'UTF8'))
                        where kind = 'licence.issuance' and leaf like '%licence.version%'`);
    const rehashed = await monitor('fresh-2.json');
    expect(rehashed.code).toBe(2);
    expect(rehashed.out).toMatch(/do not make the signed root|altered/);

    // A leaf removed: the gap is found.
    await owner.query(`delete from log_leaf where idx = 1`);
    const removed = await monitor('fresh-3.json');
    expect(removed.code).toBe(2);
    expect(removed.out).toMatch(/leaf 1 is missing/);

    // The tree rewritten without its last leaf and signed again: the watcher that saw it finds the log shrank.
    const [{ last }] = (await owner.query(`select max(idx)::int as last from log_leaf`)).rows;
    await owner.query(`delete from log_node where (idx + 1) * (1::bigint << level) > $1`, [last]);
    await owner.query(`delete from log_leaf where idx = $1`, [last]);
    await signTreeHead();
    const shrunk = await monitor('watcher.json');
    expect(shrunk.code).toBe(2);
    expect(shrunk.out).toMatch(/shrank/);
  }, 300_000); // five monitor processes (npx tsx), each a cold start on a loaded machine
});
