/**
 * `npm run audit:verify` (LM-25): checks every hash chain of the audit log, every chain head and every daily seal,
 * prints the first broken row, and exits 1 when anything is broken (0 when the log is intact).
 *
 * Database: DATABASE_OWNER_URL, else DATABASE_URL, else the embedded PostgreSQL of `npm start` (which must run).
 */
import { Pool } from 'pg';
import { loadConfig } from '../infra/config';
import { verifyAuditLog } from '../usecases/audit-log';

function adminDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const config = loadConfig(env);
  return (
    config.databaseOwnerUrl ??
    config.databaseUrl ??
    `postgres://postgres:postgres@127.0.0.1:${config.postgresPort}/elicense`
  );
}

async function main(): Promise<number> {
  const pool = new Pool({ connectionString: process.argv[2] ?? adminDatabaseUrl(), max: 1 });
  try {
    const result = await verifyAuditLog(pool);
    const first = result.problems[0];
    if (!first) {
      console.log(
        `audit log intact: ${result.rows} rows in ${result.chains} chains, ${result.sealedDays} sealed days`,
      );
      return 0;
    }
    const where = first.id
      ? `audit_event id=${first.id} (chain ${first.day}/${first.part}, seq ${first.seq})`
      : `chain ${first.day}/${first.part} at seq ${first.seq}`;
    console.error(`audit log BROKEN: first broken row: ${where}: ${first.reason}`);
    for (const p of result.problems.slice(1, 20)) {
      console.error(
        `  also: ${p.id ? `id=${p.id}` : '(missing)'} ${p.day}/${p.part} seq ${p.seq}: ${p.reason}`,
      );
    }
    if (result.problems.length > 20) console.error(`  … ${result.problems.length - 20} more`);
    return 1;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
