/**
 * `npm run restore <file>` (LM-26): brings a backup of `npm run backup` back into an EMPTY database (the owner's
 * connection: DATABASE_OWNER_URL, else DATABASE_URL, else the embedded server of `npm start`). With
 * `--temporal`, the dev Temporal server's history file is written back to DATA_DIR/temporal.db (stop the server
 * first; running workflows resume from it). See usecases/backup.ts.
 */
import { loadBackupConfig } from '../infra/config';
import { restoreDatabase } from '../usecases/backup';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: npm run restore -- <backup file> [--temporal]');
  const config = loadBackupConfig();
  const result = await restoreDatabase({
    databaseUrl: config.databaseUrl,
    key: config.key,
    file,
    temporalDbFile: args.includes('--temporal') ? config.temporalDbFile : undefined,
  });
  const rows = Object.values(result.counts).reduce((a, b) => a + b, 0);
  console.log(`restored ${rows} rows into ${Object.keys(result.counts).length} tables`);
  if (result.temporalFiles.length) console.log(`Temporal history: ${result.temporalFiles.join(', ')}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
