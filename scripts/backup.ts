/**
 * `npm run backup` (LM-26): a consistent, encrypted backup of the database (and of the dev Temporal server's
 * history when the embedded server is used) to BACKUP_DIR, copied to BACKUP_OFFSITE_DIR. See usecases/backup.ts.
 */
import { loadBackupConfig } from '../infra/config';
import { backupDatabase } from '../usecases/backup';

async function main(): Promise<void> {
  const config = loadBackupConfig();
  const result = await backupDatabase({
    databaseUrl: config.databaseUrl,
    key: config.key,
    dir: config.dir,
    offsiteDir: config.offsiteDir,
    temporalDbFile: config.temporalDbFile,
    now: new Date(),
  });
  const rows = Object.values(result.counts).reduce((a, b) => a + b, 0);
  console.log(`backup written: ${result.file} (${result.bytes} bytes, ${rows} rows)`);
  console.log(`off-site copy:  ${result.offsite}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
