/**
 * Issue 19 (LM-10): one batch of a legacy conversion, on the signing worker (it decrypts the seal's key once per
 * batch). In ONE transaction: the job row is locked and its cursor checked (a retried attempt after a commit finds
 * the cursor moved and does nothing), the rows are checked again, rows whose legacy number the unit already
 * converted for the type are skipped, serials are allocated as one block, as many uses of the conversion's one
 * seal-use authorisation as licences are consumed with one conditional UPDATE (SM-12), each licence is signed in
 * the signature format in force (purpose-bound, issue 11) — in the signing threads when a pool is given, on every
 * core (usecases/conversion-signing-pool.ts) — and written with its signature record (without the seal and
 * certificate, stored once in `signature_material`) and its data-exchange message
 * by PostgreSQL COPY, slice by slice, the threads signing the next slice while PostgreSQL writes this one; the
 * cursor advances and one audit row says what the batch did.
 * A worker killed mid-batch loses the transaction; the retry redoes the batch from the committed cursor.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../db/audit';
import { copyInto, transactionConnection } from '../db/copy';
import { insertSignatureMaterial } from '../db/signature-material';
import { LICENCE_LEGACY_KEY } from '../db/licence-legacy-key';
import { OrganisationCertificate, Organisation, Seal } from '../db/entities';
import { SealUseAuthorisation } from '../db/seal-use-entities';
import { LicenceType } from '../db/licence-entities';
import { shanghaiDateOf } from '../domain/calendar';
import {
  checkConversionRow,
  ConversionMapping,
  CONVERSION_BATCH_SIZE,
  ConvertibleRow,
} from '../domain/licence-conversion';
import { conversionSealDocumentTitle } from '../domain/licence';
import type { DataProblem, LicenceTypeDefinition } from '../domain/licence-type';
import { decryptPrivateKey } from '../pki/key-encryption';
import { signatureMaterial } from '../pki/seal-signer';
import { ConversionSigningPool, signBatch } from './conversion-signing-pool';
import {
  ConversionSigningContext,
  LICENCE_COPY_COLUMNS,
  OUTBOX_COPY_COLUMNS,
  SIGNATURE_COPY_COLUMNS,
} from './licence-conversion-signing';
import { exchangeEvent } from '../domain/licence-issuance';

export interface ConversionBatchResult {
  /** Rows of the file handled so far (the cursor minus one). */
  doneRows: number;
  totalRows: number;
  converted: number;
  alreadyConverted: number;
  rejected: number;
  finished: boolean;
}

/** A refusal the conversion cannot get past by retrying (the authorisation is used up, revoked, expired …). */
export class ConversionRefused extends Error {}

interface JobRow {
  id: string;
  organisation_id: string;
  type_id: string;
  type_code: string;
  mapping: ConversionMapping;
  status: string;
  total_rows: number;
  authorisation_id: string;
  next_row: number;
  converted: number;
  already_converted: number;
  rejected: number;
  created_by: string;
}

export async function convertBatch(
  em: EntityManager,
  input: { jobId: string; now: Date; pkiMasterKey: string; pool?: ConversionSigningPool },
): Promise<ConversionBatchResult> {
  const { now } = input;
  const job = await lockedJob(em, input.jobId);
  if (job.status !== 'running' || job.next_row > job.total_rows) return summary(job);
  const type = await em.findOneOrFail(LicenceType, { id: job.type_id }, { disableIdentityMap: true });
  const signer = await signerFor(em, job, type.definition, input.pkiMasterKey, now);
  return em.transactional(async (tx) => {
    const current = await lockedJob(tx, input.jobId, true);
    if (current.status !== 'running' || current.next_row !== job.next_row) return summary(current);
    const rows: Array<{ row_number: number; cells: Record<string, string> }> = await tx.execute(
      `select row_number, cells from conversion_row where job_id = ? and row_number >= ?
        order by row_number limit ?`,
      [job.id, job.next_row, CONVERSION_BATCH_SIZE],
    );
    const today = shanghaiDateOf(now);
    const good: ConvertibleRow[] = [];
    const bad: Array<{ rowNumber: number; problems: DataProblem[] }> = [];
    for (const r of rows) {
      const check = checkConversionRow(type.definition, job.mapping, r.row_number, r.cells, today);
      if (check.ok) good.push(check.row);
      else bad.push({ rowNumber: r.row_number, problems: check.problems });
    }
    // One conversion of a unit and type at a time writes: the check for earlier conversions below holds.
    await tx.execute(`select pg_advisory_xact_lock(hashtext(?))`, [
      `conversion:${job.organisation_id}:${job.type_code}`,
    ]);
    const fresh = await notYetConverted(tx, job, good);
    const written = fresh.length > 0 ? await writeLicences(tx, job, type, signer, fresh, now, input.pool) : 0;
    await markRejected(tx, job.id, bad);
    const lastRow = rows.length > 0 ? rows[rows.length - 1]!.row_number : job.total_rows;
    const updated: JobRow[] = await tx.execute(
      `update conversion_job set next_row = ?, converted = converted + ?, already_converted = already_converted + ?,
              rejected = rejected + ? where id = ? returning *`,
      [lastRow + 1, written, good.length - fresh.length, bad.length, job.id],
    );
    await recordAudit(tx, {
      actor: signer.actor,
      action: 'licence.convert',
      targetType: 'conversion_job',
      targetId: job.id,
      outcome: 'success',
      eventKey: `licence.convert:${job.id}:${job.next_row}`,
      details: {
        fromRow: job.next_row,
        toRow: lastRow,
        converted: written,
        alreadyConverted: good.length - fresh.length,
        rejected: bad.length,
        authorisationId: job.authorisation_id,
      },
    });
    return summary(updated[0]!);
  });
}

async function lockedJob(em: EntityManager, jobId: string, lock = false): Promise<JobRow> {
  const rows: JobRow[] = await em.execute(
    `select * from conversion_job where id = ?${lock ? ' for update' : ''}`,
    [jobId],
  );
  if (!rows[0]) throw new ConversionRefused(`conversion job ${jobId} does not exist`);
  return rows[0];
}

function summary(job: JobRow): ConversionBatchResult {
  return {
    doneRows: Math.min(job.next_row - 1, job.total_rows),
    totalRows: job.total_rows,
    converted: job.converted,
    alreadyConverted: job.already_converted,
    rejected: job.rejected,
    finished: job.next_row > job.total_rows,
  };
}

interface Signer {
  seal: Seal;
  issuer: Organisation;
  certificatePem: string;
  privateKeyPem: string;
  title: string;
  actor: { userId: string; username: string; roles: string[]; organisationId: string | null };
}

async function signerFor(
  em: EntityManager,
  job: JobRow,
  definition: LicenceTypeDefinition,
  pkiMasterKey: string,
  now: Date,
): Promise<Signer> {
  const authorisation = await em.findOneOrFail(
    SealUseAuthorisation,
    { id: job.authorisation_id },
    { disableIdentityMap: true },
  );
  const seal = await em.findOneOrFail(Seal, { id: authorisation.sealId }, { disableIdentityMap: true });
  if (seal.status !== 'active' || seal.kind !== definition.sealKind)
    throw new ConversionRefused('用于存量转换的印章已不可用（须为本单位有效的证照签发用章）');
  if (authorisation.status !== 'active' || authorisation.validTo <= now || authorisation.validFrom > now)
    throw new ConversionRefused('存量转换的用印授权已撤销或不在有效期内，请重新申请用印');
  const certificate = await em.findOneOrFail(
    OrganisationCertificate,
    { id: seal.certificateId },
    { disableIdentityMap: true },
  );
  if (certificate.revokedAt || certificate.notAfter <= now)
    throw new ConversionRefused('印章绑定的单位证书已失效，不能用印');
  const issuer = await em.findOneOrFail(
    Organisation,
    { id: job.organisation_id },
    { disableIdentityMap: true },
  );
  const grantee: Array<{ id: string; username: string; roles: string[]; organisation_id: string | null }> =
    await em.execute(`select id, username, roles, organisation_id from app_user where id = ?`, [
      authorisation.granteeId,
    ]);
  const g = grantee[0]!;
  return {
    seal,
    issuer,
    certificatePem: certificate.certificatePem,
    privateKeyPem: decryptPrivateKey(certificate.privateKeyEncrypted, pkiMasterKey),
    title: conversionSealDocumentTitle(definition),
    actor: { userId: g.id, username: g.username, roles: g.roles, organisationId: g.organisation_id },
  };
}

/**
 * The legacy numbers a unit already converted for a type, among those asked; parameters: the unit, the type, the
 * numbers as a JSON array. The keys are one array computed before the scan: one probe of the key's own index per
 * number, whatever the statistics know (db/migrations/Migration20261208100001_conversion_legacy_key.ts says why).
 */
export const ALREADY_CONVERTED_SQL = `select legacy_number from licence l where l.legacy_number is not null
  and ${LICENCE_LEGACY_KEY} = any(array(select licence_legacy_key(?, ?, n) from jsonb_array_elements_text(?::jsonb) n))`;

/** The rows whose legacy number the unit has not converted for the type (nor an earlier row of this batch). */
async function notYetConverted(
  tx: EntityManager,
  job: JobRow,
  rows: ConvertibleRow[],
): Promise<ConvertibleRow[]> {
  if (rows.length === 0) return rows;
  const existing: Array<{ legacy_number: string }> = await tx.execute(ALREADY_CONVERTED_SQL, [
    job.organisation_id,
    job.type_code,
    JSON.stringify(rows.map((r) => r.licenceNumber)),
  ]);
  const seen = new Set(existing.map((e) => e.legacy_number));
  return rows.filter((r) => (seen.has(r.licenceNumber) ? false : (seen.add(r.licenceNumber), true)));
}

async function markRejected(
  tx: EntityManager,
  jobId: string,
  bad: Array<{ rowNumber: number; problems: DataProblem[] }>,
): Promise<void> {
  if (bad.length === 0) return;
  await tx.execute(
    `update conversion_row r set problems = x.problems
       from jsonb_to_recordset(?::jsonb) as x(row_number int, problems jsonb)
      where r.job_id = ? and r.row_number = x.row_number`,
    [JSON.stringify(bad.map((b) => ({ row_number: b.rowNumber, problems: b.problems }))), jobId],
  );
}

async function writeLicences(
  tx: EntityManager,
  job: JobRow,
  type: LicenceType,
  signer: Signer,
  rows: ConvertibleRow[],
  now: Date,
  pool: ConversionSigningPool | undefined,
): Promise<number> {
  const definition = type.definition;
  const consumed: unknown[] = await tx.execute(
    `update seal_use_authorisation set used_count = used_count + ?
      where id = ? and status = 'active' and used_count + ? <= max_uses and valid_from <= ? and valid_to > ?
      returning used_count`,
    [rows.length, job.authorisation_id, rows.length, now, now],
  );
  if (consumed.length === 0)
    throw new ConversionRefused('存量转换的用印授权剩余次数不足或已失效，请重新申请覆盖全部行数的用印');
  const serials: Array<{ last_serial: string }> = await tx.execute(
    `insert into licence_serial (type_code, issuer_code, last_serial) values (?, ?, ?)
     on conflict (type_code, issuer_code) do update set last_serial = licence_serial.last_serial + ?
     returning last_serial`,
    [definition.code, signer.issuer.uscc, rows.length, rows.length],
  );
  const context = signingContext(job, type, signer, now);
  const material = signatureMaterial(context);
  // The seal and certificate every record of the batch leaves out, stored once (the same for every batch of a seal).
  await insertSignatureMaterial(tx, material.id, material.material);
  return signAndCopy(tx, {
    context: { ...context, signatureMaterialId: material.id },
    rows,
    firstSerial: Number(serials[0]!.last_serial) - rows.length + 1,
    pool,
  });
}

/**
 * Rows per slice of a batch: the threads sign slice n + 1 while PostgreSQL takes slice n, so that signing (the
 * threads) and writing (PostgreSQL, on the same cores) overlap instead of taking turns.
 */
const CONVERSION_WRITE_SLICE = 125;

/**
 * Signs the batch's rows slice by slice and writes each slice's signature records, licences and messages by COPY on
 * the transaction's own connection: the rows commit or vanish with the cursor. A legacy number another job
 * converted meanwhile breaks the unique index, and the whole batch is redone.
 */
async function signAndCopy(
  tx: EntityManager,
  p: {
    context: ConversionSigningContext;
    rows: ConvertibleRow[];
    firstSerial: number;
    pool?: ConversionSigningPool;
  },
): Promise<number> {
  const connection = await transactionConnection(tx);
  const sign = (from: number) =>
    signBatch(p.pool, {
      context: p.context,
      rows: p.rows.slice(from, from + CONVERSION_WRITE_SLICE),
      firstSerial: p.firstSerial + from,
    });
  let next = sign(0);
  let count = 0;
  for (let from = 0; from < p.rows.length; from += CONVERSION_WRITE_SLICE) {
    const signed = await next;
    if (from + CONVERSION_WRITE_SLICE < p.rows.length) {
      next = sign(from + CONVERSION_WRITE_SLICE);
      next.catch(() => undefined); // awaited in the next round; a failed COPY leaves it unawaited
    }
    await copyInto(connection, SIGNATURE_COPY_COLUMNS, signed.signatures);
    await copyInto(connection, LICENCE_COPY_COLUMNS, signed.licences);
    await copyInto(connection, OUTBOX_COPY_COLUMNS, signed.outbox);
    count += signed.count;
  }
  return count;
}

function signingContext(
  job: JobRow,
  type: LicenceType,
  signer: Signer,
  now: Date,
): Omit<ConversionSigningContext, 'signatureMaterialId'> {
  const { seal } = signer;
  return {
    jobId: job.id,
    authorisationId: job.authorisation_id,
    now: now.toISOString(),
    type: { id: type.id, version: type.version, definition: type.definition },
    issuer: { id: signer.issuer.id, name: signer.issuer.name, uscc: signer.issuer.uscc },
    seal: {
      id: seal.id,
      esId: seal.esId,
      name: seal.name,
      kind: seal.kind,
      sealInfo: seal.sealInfo,
      makerSignature: seal.makerSignature,
    },
    certificatePem: signer.certificatePem,
    privateKeyPem: signer.privateKeyPem,
    documentTitle: signer.title,
    signerUserId: signer.actor.userId,
    exchangeEvent: exchangeEvent('issue'),
  };
}
