/**
 * Issue 19 (LM-10): one batch of a legacy conversion, on the signing worker (it decrypts the seal's key once per
 * batch). In ONE transaction: the job row is locked and its cursor checked (a retried attempt after a commit finds
 * the cursor moved and does nothing), the rows are checked again, rows whose legacy number the unit already
 * converted for the type are skipped, serials are allocated as one block, as many uses of the conversion's one
 * seal-use authorisation as licences are consumed with one conditional UPDATE (SM-12), each licence is signed in
 * the signature format in force (purpose-bound, issue 11) and written with its signature record and its
 * data-exchange message by multi-row INSERTs, the cursor advances and one audit row says what the batch did.
 * A worker killed mid-batch loses the transaction; the retry redoes the batch from the committed cursor.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../db/audit';
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
import { conversionSealDocumentTitle, LicenceMetadata } from '../domain/licence';
import { formatSerial, licenceIdentifier } from '../domain/licence-identifier';
import { expectedLicencePurpose, SealSignature } from '../domain/seal-signature';
import type { DataProblem, LicenceTypeDefinition } from '../domain/licence-type';
import { decryptPrivateKey } from '../pki/key-encryption';
import { licenceDataHash, licenceExport } from '../pki/licence-document';
import { signWithSeal } from '../pki/seal-signer';
import { exchangeEvent } from './licence-issuing';

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
  input: { jobId: string; now: Date; pkiMasterKey: string },
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
    const written = fresh.length > 0 ? await writeLicences(tx, job, type, signer, fresh, now) : 0;
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

/** The rows whose legacy number the unit has not converted for the type (nor an earlier row of this batch). */
async function notYetConverted(
  tx: EntityManager,
  job: JobRow,
  rows: ConvertibleRow[],
): Promise<ConvertibleRow[]> {
  if (rows.length === 0) return rows;
  const existing: Array<{ legacy_number: string }> = await tx.execute(
    `select legacy_number from licence where issuer_organisation_id = ? and type_code = ?
        and legacy_number in (select jsonb_array_elements_text(?::jsonb))`,
    [job.organisation_id, job.type_code, JSON.stringify(rows.map((r) => r.licenceNumber))],
  );
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
  const first = Number(serials[0]!.last_serial) - rows.length + 1;
  const licences: unknown[] = [];
  const signatures: unknown[] = [];
  const outbox: unknown[] = [];
  for (const [i, row] of rows.entries()) {
    // Let the process breathe between signatures: the API and the workflow worker may share it.
    if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
    const serial = formatSerial(first + i);
    const identifier = licenceIdentifier({
      typeCode: definition.code,
      issuerCode: signer.issuer.uscc,
      serial,
      version: 1,
    });
    const metadata: LicenceMetadata = {
      name: definition.name,
      typeCode: definition.code,
      typeVersion: type.version,
      identifier,
      licenceNumber: row.licenceNumber,
      version: 1,
      previousIdentifier: null,
      issuer: { name: signer.issuer.name, code: signer.issuer.uscc },
      issueDate: row.issueDate,
      holder: row.holder,
      validFrom: row.validFrom,
      validTo: row.validTo,
      serviceItems: definition.serviceItems,
    };
    const dataHash = licenceDataHash({ metadata, data: row.data });
    const record: SealSignature = signWithSeal({
      seal: signer.seal,
      certificatePem: signer.certificatePem,
      privateKeyPem: signer.privateKeyPem,
      signingTime: now,
      documentHash: dataHash,
      documentTitle: signer.title,
      authorisationId: job.authorisation_id,
      purpose: {
        purpose: expectedLicencePurpose(1),
        identifier,
        typeCode: definition.code,
        sealKind: definition.sealKind,
      },
    });
    const id = randomUUID();
    const signatureId = deterministicId(`${job.id}:${row.rowNumber}`);
    signatures.push({ id: signatureId, document_hash: dataHash, record });
    licences.push({
      id,
      identifier,
      serial,
      licence_number: row.licenceNumber,
      holder_name: row.holder.name,
      holder_code: row.holder.code,
      holder_code_type: row.holder.codeType,
      metadata,
      data: row.data,
      issue_date: row.issueDate,
      valid_from: row.validFrom,
      valid_to: row.validTo,
      data_hash: dataHash,
      signature: record,
      signature_id: signatureId,
    });
    outbox.push({
      id: randomUUID(),
      licence_id: id,
      payload: licenceExport({ metadata, data: row.data, signature: record }),
    });
  }
  await tx.execute(
    `insert into seal_signature (id, authorisation_id, seal_id, signer_user_id, document_hash, document_title,
                                 signing_time, record, created_at)
     select x.id, ?, ?, ?, x.document_hash, ?, ?, x.record, ?
       from jsonb_to_recordset(?::jsonb) as x(id text, document_hash text, record jsonb)`,
    [
      job.authorisation_id,
      signer.seal.id,
      signer.actor.userId,
      signer.title,
      now,
      now,
      JSON.stringify(signatures),
    ],
  );
  const inserted: unknown[] = await tx.execute(
    `insert into licence (id, identifier, series_id, type_id, type_code, type_version, name, issuer_organisation_id,
                          issuer_code, serial, version, previous_identifier, licence_number, holder_name, holder_code,
                          holder_code_type, holder_email, metadata, data, issue_date, valid_from, valid_to, status,
                          data_hash, signature, signature_id, seal_id, issuance_id, conversion_job_id, legacy_number,
                          issued_at, created_at)
     select x.id, x.identifier, x.id, ?, ?, ?, ?, ?, ?, x.serial, 1, null, x.licence_number, x.holder_name,
            x.holder_code, x.holder_code_type, null, x.metadata, x.data, x.issue_date, x.valid_from, x.valid_to,
            'valid', x.data_hash, x.signature, x.signature_id, ?, null, ?, x.licence_number, ?, ?
       from jsonb_to_recordset(?::jsonb) as x(id text, identifier text, serial text, licence_number text,
            holder_name text, holder_code text, holder_code_type text, metadata jsonb, data jsonb, issue_date text,
            valid_from text, valid_to text, data_hash text, signature jsonb, signature_id text)
     on conflict (issuer_organisation_id, type_code, legacy_number) where legacy_number is not null do nothing
     returning id`,
    [
      type.id,
      definition.code,
      type.version,
      definition.name,
      signer.issuer.id,
      signer.issuer.uscc,
      signer.seal.id,
      job.id,
      now,
      now,
      JSON.stringify(licences),
    ],
  );
  if (inserted.length !== rows.length)
    throw new Error('a legacy number was converted by another job meanwhile');
  await tx.execute(
    `insert into exchange_outbox (id, licence_id, event, payload, status, attempts, created_at)
     select x.id, x.licence_id, ?, x.payload, 'pending', 0, ? from jsonb_to_recordset(?::jsonb)
         as x(id text, licence_id text, payload jsonb)`,
    [exchangeEvent('issue'), now, JSON.stringify(outbox)],
  );
  return rows.length;
}

/** A stable id for a row's signature (a UUID shape from the job and row), so that the records read alike. */
function deterministicId(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
