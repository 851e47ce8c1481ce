/**
 * Starts what the integration tests need, once per run: PostgreSQL (embedded unless DATABASE_URL), the Temporal
 * dev server (unless TEMPORAL_ADDRESS), the workflow bundle, and a migrated, seeded template database that each
 * test file clones.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { openOrm } from '../../db/orm';
import { seed } from '../../seed/demo-city';
import { prepareDatabase } from '../../platform/prepare-database';
import { prepareSigningKeys } from '../../platform/signing-worker';
import { startEmbeddedPostgres } from '../../infra/postgres';
import { startTemporalDevServer } from '../../infra/temporal';
import { TEMPLATE_DATABASE, TEST_PKI_MASTER_KEY, TEST_RUNTIME_ROLE } from './env';
import { freePort } from './ports';

const log = (line: string) => process.stderr.write(`[test setup] ${line}\n`);

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const stops: Array<() => Promise<void>> = [];
  (globalThis as { __testServicesStop?: typeof stops }).__testServicesStop = stops;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'elicense-test-'));
  chmodSync(tmp, 0o755); // as root, PostgreSQL runs as the `postgres` user, which must reach its data directory

  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(tmp, 'postgres'),
      port: await freePort(),
      persistent: false,
      log,
      // Two test files at a time, each with its platform's pools (API, workers, signing worker, owner: up to 10
      // connections each) and a fuzzer or a load test among them, pass PostgreSQL's default of 100 connections.
      maxConnections: 400,
    });
    stops.push(() => pg.stop());
    adminUrl = pg.adminUrl;
  }

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const temporal = await startTemporalDevServer({ port: await freePort(), headless: true, log });
    stops.push(() => temporal.stop());
    temporalAddress = temporal.address;
  }

  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: log, error: log, log() {} } as never,
  });
  const workflowBundlePath = path.join(tmp, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);

  // The template: migrations, CA and seed data once; test files clone it in milliseconds.
  await createTemplateDatabase(adminUrl);

  process.env.TEST_POSTGRES_ADMIN_URL = adminUrl;
  process.env.TEST_TEMPORAL_ADDRESS = temporalAddress;
  process.env.TEST_WORKFLOW_BUNDLE = workflowBundlePath;
  log(`services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates (or recreates) the seeded template database the test platforms clone, on the server of `adminUrl`: the
 * shared server here, or a test file's own one (the fault drills restart theirs).
 */
export async function createTemplateDatabase(adminUrl: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DATABASE}`);
  await admin.query(`create database ${TEMPLATE_DATABASE}`);
  await admin.end();
  const orm = await openOrm(withDatabase(adminUrl, TEMPLATE_DATABASE));
  await prepareDatabase(orm, { runtimeRole: TEST_RUNTIME_ROLE });
  await prepareSigningKeys(orm, { pkiMasterKey: TEST_PKI_MASTER_KEY });
  // The template's certificates name no CRL or OCSP address: no test platform serves a fixed one, and NSS (pdfsig)
  // fails a certificate whose CRL distribution point does not answer. pades-lt.test.ts issues one that does.
  await seed(orm.em.fork() as EntityManager, TEST_PKI_MASTER_KEY, null);
  await orm.close(true);
}
