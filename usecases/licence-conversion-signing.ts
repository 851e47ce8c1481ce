/**
 * Issue 19 (LM-10, Build 1): the CPU part of a conversion batch — each good row's licence content, its
 * purpose-bound seal signature (issue 11; the record stored once, in the licence row) and its data-exchange message
 * (without a payload of its own: the export is the licence row, built when the message is delivered) — written
 * straight as PostgreSQL `COPY`
 * text lines for the three tables. No I/O and no clock (the batch passes `now`): the signing threads
 * (usecases/licence-conversion-thread.ts) run it on every core, and the batch runs it in its own thread when no
 * pool is given. Ids are derived from the job and the row, so the output is the same wherever it runs.
 */
import { createHash } from 'node:crypto';
import { copyLine } from '../db/copy';
import type { ConvertibleRow } from '../domain/licence-conversion';
import type { LicenceMetadata } from '../domain/licence';
import { formatSerial, licenceIdentifier } from '../domain/licence-identifier';
import type { LicenceTypeDefinition } from '../domain/licence-type';
import { expectedLicencePurpose } from '../domain/seal-signature';
import { licenceDataHash } from '../pki/licence-document';
import { SealForSigning, signWithSeal } from '../pki/seal-signer';

/** What every row of a batch shares: plain data, so that it crosses to a worker thread as it is. */
export interface ConversionSigningContext {
  jobId: string;
  authorisationId: string;
  /** ISO time of the batch: the signing time and every row's creation time. */
  now: string;
  type: { id: string; version: number; definition: LicenceTypeDefinition };
  issuer: { id: string; name: string; uscc: string };
  seal: SealForSigning;
  certificatePem: string;
  privateKeyPem: string;
  documentTitle: string;
  signerUserId: string;
  exchangeEvent: string;
}

export interface ConversionSigningInput {
  context: ConversionSigningContext;
  rows: ConvertibleRow[];
  /** The serial number of the first row (the batch took a block of them). */
  firstSerial: number;
}

/** `COPY … FROM STDIN` text for each table, in the column order of the lists below. */
export interface ConvertedRows {
  count: number;
  signatures: string;
  licences: string;
  outbox: string;
}

/** The record itself is stored once, in the licence row; the signing's row names the licence (issue 19). */
export const SIGNATURE_COPY_COLUMNS = `seal_signature (id, authorisation_id, seal_id, signer_user_id, document_hash,
  document_title, signing_time, licence_id, created_at)`;
export const LICENCE_COPY_COLUMNS = `licence (id, identifier, series_id, type_id, type_code, type_version, name,
  issuer_organisation_id, issuer_code, serial, version, previous_identifier, licence_number, holder_name, holder_code,
  holder_code_type, holder_email, metadata, data, issue_date, valid_from, valid_to, status, data_hash, signature,
  signature_id, seal_id, issuance_id, conversion_job_id, legacy_number, issued_at, created_at)`;
export const OUTBOX_COPY_COLUMNS = `exchange_outbox (id, licence_id, event, payload, status, attempts, created_at)`;

/** A stable id in UUID shape from a key (the job and row), so that a redone batch writes the same ids. */
export function deterministicId(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function signConvertedRows(input: ConversionSigningInput): ConvertedRows {
  const lines = input.rows.map((row, i) => signedRow(input.context, row, input.firstSerial + i));
  return {
    count: lines.length,
    signatures: lines.map((l) => l.signature).join(''),
    licences: lines.map((l) => l.licence).join(''),
    outbox: lines.map((l) => l.outbox).join(''),
  };
}

function signedRow(c: ConversionSigningContext, row: ConvertibleRow, serialNumber: number) {
  const { definition } = c.type;
  const serial = formatSerial(serialNumber);
  const identifier = licenceIdentifier({
    typeCode: definition.code,
    issuerCode: c.issuer.uscc,
    serial,
    version: 1,
  });
  const metadata: LicenceMetadata = {
    name: definition.name,
    typeCode: definition.code,
    typeVersion: c.type.version,
    identifier,
    licenceNumber: row.licenceNumber,
    version: 1,
    previousIdentifier: null,
    issuer: { name: c.issuer.name, code: c.issuer.uscc },
    issueDate: row.issueDate,
    holder: row.holder,
    validFrom: row.validFrom,
    validTo: row.validTo,
    serviceItems: definition.serviceItems,
  };
  const dataHash = licenceDataHash({ metadata, data: row.data });
  const record = signWithSeal({
    seal: c.seal,
    certificatePem: c.certificatePem,
    privateKeyPem: c.privateKeyPem,
    signingTime: new Date(c.now),
    documentHash: dataHash,
    documentTitle: c.documentTitle,
    authorisationId: c.authorisationId,
    purpose: {
      purpose: expectedLicencePurpose(1),
      identifier,
      typeCode: definition.code,
      sealKind: definition.sealKind,
    },
  });
  const id = deterministicId(`licence:${c.jobId}:${row.rowNumber}`);
  const signatureId = deterministicId(`${c.jobId}:${row.rowNumber}`);
  return {
    signature: copyLine([
      signatureId,
      c.authorisationId,
      c.seal.id,
      c.signerUserId,
      dataHash,
      c.documentTitle,
      c.now,
      id,
      c.now,
    ]),
    licence: copyLine([
      id,
      identifier,
      id,
      c.type.id,
      definition.code,
      c.type.version,
      definition.name,
      c.issuer.id,
      c.issuer.uscc,
      serial,
      1,
      null,
      row.licenceNumber,
      row.holder.name,
      row.holder.code,
      row.holder.codeType,
      null,
      JSON.stringify(metadata),
      JSON.stringify(row.data),
      row.issueDate,
      row.validFrom,
      row.validTo,
      'valid',
      dataHash,
      JSON.stringify(record),
      signatureId,
      c.seal.id,
      null,
      c.jobId,
      row.licenceNumber,
      c.now,
      c.now,
    ]),
    outbox: copyLine([
      deterministicId(`outbox:${c.jobId}:${row.rowNumber}`),
      id,
      c.exchangeEvent,
      null, // the export is the licence row itself, built at delivery (activities/exchange.ts withPayloads)
      'pending',
      0,
      c.now,
    ]),
  };
}
