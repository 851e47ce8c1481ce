/**
 * Backup and restore of the platform's PostgreSQL database (LM-26, issue 11 Build 7).
 *
 * A logical backup through the `pg` client, since the embedded PostgreSQL 17 ships no `pg_dump` and Debian's
 * client tools (15) refuse a 17 server: every table of the schema is read in ONE `REPEATABLE READ READ ONLY`
 * transaction (one snapshot, so the backup is consistent while the platform runs), row by row as JSON through a
 * cursor, with the sequences' values and the list of applied migrations. The schema itself is the migrations':
 * a restore runs them (up to the backup's last) into an empty database, then loads the rows with the foreign keys
 * dropped and user triggers disabled (the audit log's chain fields are kept exactly as backed up), puts the foreign
 * keys back (validated) and sets the sequences, all in one transaction. The dev Temporal server's SQLite history
 * file may be carried along (workflows resume from it after a restore; copied while the server runs it is only
 * crash-consistent, so stop the server for an exact copy).
 *
 * File format: `JCBK1\0`, 16 bytes scrypt salt, 12 bytes IV, then AES-256-GCM ciphertext of gzip'd NDJSON, then the
 * 16-byte GCM tag. The key is derived (scrypt) from BACKUP_KEY. A wrong key or a changed byte fails the restore
 * before it commits.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline as streamPipeline, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import { Client } from 'pg';
import { openOrm } from '../db/orm';

const MAGIC = Buffer.from('JCBK1\0', 'latin1');
const HEADER_BYTES = MAGIC.length + 16 + 12;
const TAG_BYTES = 16;
const FORMAT = 'jincheng-backup/1';
const BATCH = 1000;
const FILE_CHUNK = 48 * 1024;

interface BackupHeader {
  format: typeof FORMAT;
  createdAt: string;
  database: string;
  migrations: string[];
  tables: string[];
  sequences: Array<{ name: string; value: string | null }>;
}

type Line =
  | { header: BackupHeader }
  | { t: string; r: Record<string, unknown> }
  | { file: string; data: string }
  | { end: true; counts: Record<string, number>; files: string[] };

export interface BackupOptions {
  /** The owner's connection (it reads every table). */
  databaseUrl: string;
  key: string;
  dir: string;
  /** The off-site target: the file is copied there after it is written. */
  offsiteDir?: string;
  /** The dev Temporal server's SQLite history file, carried along when given. */
  temporalDbFile?: string;
  now: Date;
}

export interface BackupResult {
  file: string;
  offsite: string | null;
  counts: Record<string, number>;
  bytes: number;
}

const deriveKey = (key: string, salt: Buffer) => scryptSync(key, salt, 32);
const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function backupDatabase(options: BackupOptions): Promise<BackupResult> {
  if (!options.key) throw new Error('BACKUP_KEY is empty');
  await mkdir(options.dir, { recursive: true });
  const stamp = options.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const name = `elicense-${stamp}.backup`;
  const file = path.join(options.dir, name);
  const partial = `${file}.partial`;

  const client = new Client({ connectionString: options.databaseUrl });
  await client.connect();
  const counts: Record<string, number> = {};
  try {
    await client.query('begin isolation level repeatable read read only');
    const database = (await client.query<{ db: string }>('select current_database() as db')).rows[0]!.db;
    const migrations = (
      await client.query<{ name: string }>('select name from mikro_orm_migrations order by id')
    ).rows.map((r) => r.name);
    const tables = (
      await client.query<{ name: string }>(
        `select tablename as name from pg_tables where schemaname = 'public' and tablename <> 'mikro_orm_migrations'
          order by tablename`,
      )
    ).rows.map((r) => r.name);
    const sequences = (
      await client.query<{ name: string; value: string | null }>(
        `select sequencename as name, last_value::text as value from pg_sequences where schemaname = 'public'
          order by sequencename`,
      )
    ).rows;
    const header: BackupHeader = {
      format: FORMAT,
      createdAt: options.now.toISOString(),
      database,
      migrations,
      tables,
      sequences,
    };

    async function* lines(): AsyncGenerator<string> {
      yield `${JSON.stringify({ header } satisfies Line)}\n`;
      for (const table of tables) {
        counts[table] = 0;
        await client.query(
          `declare backup_rows no scroll cursor for select row_to_json(x)::text as j from ${quoteIdent(table)} x`,
        );
        for (;;) {
          const { rows } = await client.query<{ j: string }>(`fetch ${BATCH} from backup_rows`);
          for (const row of rows) {
            counts[table] += 1;
            yield `{"t":${JSON.stringify(table)},"r":${row.j}}\n`;
          }
          if (rows.length < BATCH) break;
        }
        await client.query('close backup_rows');
      }
      const files: string[] = [];
      if (options.temporalDbFile && existsSync(options.temporalDbFile)) {
        for (const suffix of ['', '-wal']) {
          const source = `${options.temporalDbFile}${suffix}`;
          if (!existsSync(source)) continue;
          const fileName = `temporal.db${suffix}`;
          files.push(fileName);
          const content = await readFile(source);
          for (let at = 0; at < content.length; at += FILE_CHUNK) {
            yield `${JSON.stringify({ file: fileName, data: content.subarray(at, at + FILE_CHUNK).toString('base64') } satisfies Line)}\n`;
          }
        }
      }
      yield `${JSON.stringify({ end: true, counts, files } satisfies Line)}\n`;
    }

    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', deriveKey(options.key, salt), iv);
    await pipeline(
      Readable.from(lines()),
      createGzip(),
      cipher,
      async function* (ciphertext: AsyncIterable<Buffer>) {
        yield Buffer.concat([MAGIC, salt, iv]);
        for await (const chunk of ciphertext) yield chunk;
        yield cipher.getAuthTag();
      },
      createWriteStream(partial, { mode: 0o600 }),
    );
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
  await rename(partial, file);

  let offsite: string | null = null;
  if (options.offsiteDir) {
    await mkdir(options.offsiteDir, { recursive: true });
    offsite = path.join(options.offsiteDir, name);
    await copyFile(file, `${offsite}.partial`);
    if (statSync(`${offsite}.partial`).size !== statSync(file).size)
      throw new Error('the off-site copy is incomplete');
    await rename(`${offsite}.partial`, offsite);
  }
  return { file, offsite, counts, bytes: statSync(file).size };
}

/** The backup's lines, decrypted and unzipped; the GCM tag is checked when the stream ends (an error then). */
async function* backupLines(file: string, key: string): AsyncGenerator<Line> {
  const size = statSync(file).size;
  if (size < HEADER_BYTES + TAG_BYTES) throw new Error('not a backup file (too short)');
  const handle = await open(file, 'r');
  const head = Buffer.alloc(HEADER_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    await handle.read(head, 0, HEADER_BYTES, 0);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a backup file (bad magic)');
  const salt = head.subarray(MAGIC.length, MAGIC.length + 16);
  const iv = head.subarray(MAGIC.length + 16, HEADER_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(key, salt), iv);
  decipher.setAuthTag(tag);
  let failure: Error | null = null;
  // One stream: any error (a wrong key or a changed byte fails the tag at the end) destroys it, and reading throws.
  const plain = streamPipeline(
    createReadStream(file, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 }),
    decipher,
    createGunzip(),
    (err) => {
      if (err) failure = err;
    },
  );
  try {
    for await (const line of ndjsonLines(plain)) yield JSON.parse(line) as Line;
  } catch (err) {
    throw new Error(
      `the backup cannot be read (wrong BACKUP_KEY or a damaged file): ${(failure ?? (err as Error)).message}`,
    );
  }
  if (failure) throw new Error(`the backup cannot be read: ${(failure as Error).message}`);
}

/**
 * The non-empty lines of a UTF-8 byte stream. A chunk may end inside a character (Chinese is three bytes in UTF-8):
 * the decoder keeps the partial bytes for the next chunk. Decoding each chunk alone had turned such a character
 * into U+FFFD, which a restore then wrote as a changed audit row.
 */
export async function* ndjsonLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const utf8 = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of chunks) {
    rest += utf8.write(chunk);
    let newline: number;
    while ((newline = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (line) yield line;
    }
  }
  rest += utf8.end();
  if (rest.trim()) yield rest;
}

export interface RestoreOptions {
  /** The owner's connection to an EMPTY database (no tables). */
  databaseUrl: string;
  key: string;
  file: string;
  /** Where the dev Temporal server's history file goes, when the backup carries one (must not exist). */
  temporalDbFile?: string;
}

export interface RestoreResult {
  counts: Record<string, number>;
  migrations: string[];
  temporalFiles: string[];
}

/** Decrypts the whole file once, checking the GCM tag, before anything is written anywhere. */
async function checkBackupFile(file: string, key: string): Promise<void> {
  const size = statSync(file).size;
  if (size < HEADER_BYTES + TAG_BYTES) throw new Error('not a backup file (too short)');
  const handle = await open(file, 'r');
  const head = Buffer.alloc(HEADER_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    await handle.read(head, 0, HEADER_BYTES, 0);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a backup file (bad magic)');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    deriveKey(key, head.subarray(MAGIC.length, MAGIC.length + 16)),
    head.subarray(MAGIC.length + 16, HEADER_BYTES),
  );
  decipher.setAuthTag(tag);
  try {
    await pipeline(
      createReadStream(file, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 }),
      decipher,
      new Writable({ write: (_chunk, _encoding, done) => done() }),
    );
  } catch {
    throw new Error('the backup cannot be decrypted: wrong BACKUP_KEY or a damaged file');
  }
}

export async function restoreDatabase(options: RestoreOptions): Promise<RestoreResult> {
  await checkBackupFile(options.file, options.key);
  const client = new Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const existing = await client.query(`select 1 from pg_tables where schemaname = 'public' limit 1`);
    if (existing.rowCount)
      throw new Error('the target database is not empty: restore only into an empty database');

    const lines = backupLines(options.file, options.key);
    const first = await lines.next();
    if (first.done || !('header' in first.value) || first.value.header.format !== FORMAT)
      throw new Error('not a backup of this platform (no header)');
    const header = first.value.header;

    // The schema as it was: the migrations the backup's database had, no further.
    const orm = await openOrm(options.databaseUrl);
    try {
      const last = header.migrations[header.migrations.length - 1];
      if (last) await orm.getMigrator().up({ to: last });
    } finally {
      await orm.close(true);
    }

    await client.query('begin');
    const tables = header.tables;
    const fks = (
      await client.query<{ tbl: string; name: string; def: string }>(
        `select conrelid::regclass::text as tbl, conname as name, pg_get_constraintdef(oid) as def
           from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace`,
      )
    ).rows;
    for (const fk of fks) await client.query(`alter table ${fk.tbl} drop constraint ${quoteIdent(fk.name)}`);
    for (const table of tables) await client.query(`alter table ${quoteIdent(table)} disable trigger user`);
    // Rows the migrations themselves inserted make way for the backed-up ones.
    if (tables.length) await client.query(`truncate ${tables.map(quoteIdent).join(', ')}`);

    const counts: Record<string, number> = {};
    const temporalChunks = new Map<string, Buffer[]>();
    let end: Extract<Line, { end: true }> | null = null;
    let batchTable: string | null = null;
    let batch: unknown[] = [];
    const flush = async () => {
      if (!batchTable || batch.length === 0) return;
      await client.query(
        `insert into ${quoteIdent(batchTable)} select * from json_populate_recordset(null::${quoteIdent(batchTable)}, $1::json)`,
        [JSON.stringify(batch)],
      );
      batch = [];
    };
    for await (const line of lines) {
      if ('t' in line) {
        if (!tables.includes(line.t)) throw new Error(`the backup holds rows of an unknown table ${line.t}`);
        if (line.t !== batchTable || batch.length >= BATCH) {
          await flush();
          batchTable = line.t;
        }
        batch.push(line.r);
        counts[line.t] = (counts[line.t] ?? 0) + 1;
      } else if ('file' in line) {
        const chunks = temporalChunks.get(line.file) ?? [];
        chunks.push(Buffer.from(line.data, 'base64'));
        temporalChunks.set(line.file, chunks);
      } else if ('end' in line) {
        end = line;
      }
    }
    await flush();
    if (!end) throw new Error('the backup is truncated (no end record)');
    for (const table of tables) {
      if ((counts[table] ?? 0) !== (end.counts[table] ?? 0))
        throw new Error(
          `table ${table}: ${counts[table] ?? 0} rows read, ${end.counts[table] ?? 0} backed up`,
        );
    }

    for (const seq of header.sequences) {
      if (seq.value === null) continue;
      await client.query(`select setval($1::regclass, $2::bigint, true)`, [quoteIdent(seq.name), seq.value]);
    }
    for (const table of tables) await client.query(`alter table ${quoteIdent(table)} enable trigger user`);
    for (const fk of fks)
      await client.query(`alter table ${fk.tbl} add constraint ${quoteIdent(fk.name)} ${fk.def}`);
    await client.query('commit');

    const temporalFiles = [...temporalChunks.keys()];
    if (temporalFiles.length && options.temporalDbFile) {
      const target = options.temporalDbFile;
      if (existsSync(target))
        throw new Error(`${target} exists: move it away to restore the Temporal history`);
      await mkdir(path.dirname(target), { recursive: true });
      for (const [name, chunks] of temporalChunks) {
        await writeFile(target + name.slice('temporal.db'.length), Buffer.concat(chunks), { mode: 0o600 });
      }
    }
    return { counts, migrations: header.migrations, temporalFiles };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}
