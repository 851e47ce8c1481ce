/**
 * The restore drill (LM-26, issue 11 Build 7): licences issued through the API; `npm run backup` writes an
 * encrypted backup and its off-site copy; the database is dropped and created empty; a wrong key restores nothing;
 * `npm run restore <file>` brings it back with the same row counts in every table; a platform on the restored
 * database verifies every licence PASSED and the audit log's chains are intact.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { verifyAuditLog } from '../../usecases/audit-log';
import { restoreDatabase } from '../../usecases/backup';
import { testServices } from '../support/env';
import { withDatabase } from '../support/global-setup';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const BACKUP_KEY = 'test-only-backup-key';

let t: TestPlatform | undefined;
let restored: TestPlatform | undefined;

afterAll(async () => {
  await t?.stop();
  await restored?.stop();
});

async function tableCounts(url: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `select tablename as name from pg_tables where schemaname = 'public' order by tablename`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      const { rows } = await client.query<{ n: string }>(`select count(*)::text as n from "${name}"`);
      counts[name] = Number(rows[0]!.n);
    }
    return counts;
  } finally {
    await client.end();
  }
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testServices().postgresAdminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

it('backup → wipe → restore: the same counts, and every licence verifies PASSED', async () => {
  t = await startTestPlatform();
  const databaseName = t.databaseName;
  const ownerUrl = withDatabase(testServices().postgresAdminUrl, databaseName);
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  const identifiers: string[] = [];
  for (let i = 0; i < 3; i++) {
    const issued = await issueLicence(t, businessLicenceBody());
    identifiers.push(issued.licence.identifier);
  }
  for (const identifier of identifiers) {
    const res = await t.call('POST', '/api/verify', { body: { identifier } });
    expect(res.body.indication).toBe('PASSED');
  }
  await t.stop();
  t = undefined;
  const before = await tableCounts(ownerUrl);
  expect(before.licence).toBe(3);

  // npm run backup, as an operator runs it.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backup-'));
  const offsite = mkdtempSync(path.join(os.tmpdir(), 'backup-offsite-'));
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_OWNER_URL: ownerUrl,
    BACKUP_KEY,
    BACKUP_DIR: dir,
    BACKUP_OFFSITE_DIR: offsite,
    TEMPORAL_ADDRESS: testServices().temporalAddress,
  };
  const backup = await run('npx', ['tsx', 'scripts/backup.ts'], { cwd: ROOT, env });
  expect(backup.stdout).toMatch(/backup written/);
  const [file] = readdirSync(dir);
  expect(file).toMatch(/^elicense-\d{8}T\d{6}Z\.backup$/);
  const backupPath = path.join(dir, file!);
  expect(readFileSync(path.join(offsite, file!)).equals(readFileSync(backupPath))).toBe(true);
  // Encrypted: nothing of the content shows.
  expect(readFileSync(backupPath).includes(Buffer.from(identifiers[0]!))).toBe(false);

  // Wipe: the database is dropped and created empty.
  await admin(async (c) => {
    await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`, [
      databaseName,
    ]);
    await c.query(`drop database ${databaseName}`);
    await c.query(`create database ${databaseName}`);
  });
  expect((await tableCounts(ownerUrl)).licence).toBeUndefined();

  // A wrong key restores nothing, and leaves the database empty.
  await expect(
    restoreDatabase({ databaseUrl: ownerUrl, key: 'wrong-key', file: backupPath }),
  ).rejects.toThrow(/wrong BACKUP_KEY/);
  expect(await tableCounts(ownerUrl)).toEqual({});

  // npm run restore <file>
  const restore = await run('npx', ['tsx', 'scripts/restore.ts', backupPath], { cwd: ROOT, env });
  expect(restore.stdout).toMatch(/restored \d+ rows/);
  expect(await tableCounts(ownerUrl)).toEqual(before);

  // Restoring again over it is refused: only into an empty database.
  await expect(restoreDatabase({ databaseUrl: ownerUrl, key: BACKUP_KEY, file: backupPath })).rejects.toThrow(
    /not empty/,
  );

  restored = await startTestPlatform({ existingDatabase: databaseName });
  for (const identifier of identifiers) {
    const res = await restored.call('POST', '/api/verify', { body: { identifier } });
    expect(res.status).toBe(200);
    expect(res.body.indication).toBe('PASSED');
  }
  // The audit log came back exactly: every chain still links, and new rows go on being chained.
  const owner = new Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    await restored.call('GET', '/api/seal-applications', { as: 'gp-amr-clerk' });
    const check = await verifyAuditLog(owner);
    expect(check.problems).toEqual([]);
    expect(check.rows).toBeGreaterThan(0);
  } finally {
    await owner.end();
  }
}, 180_000);
