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
import { copyField, copyLine } from '../db/copy';
import { canonicalJson } from '../domain/canonical-json';
import { fillJsonTemplate, hole, jsonTemplate } from '../domain/json-template';
import type { ConvertibleRow } from '../domain/licence-conversion';
import { canonicalLicence, LicenceMetadata } from '../domain/licence';
import { formatSerial, licenceIdentifier } from '../domain/licence-identifier';
import type { LicenceTypeDefinition } from '../domain/licence-type';
import { expectedLicencePurpose } from '../domain/seal-signature';
import { canonicalLicenceHash } from '../pki/licence-document';
import { licenceRecordWriter, SealForSigning } from '../pki/seal-signer';

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
  /** The `signature_material` row holding the seal and certificate the records leave out (already stored). */
  signatureMaterialId: string;
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

/**
 * The same as UTF-8 bytes, each in an ArrayBuffer of its own, so that a signing thread moves them to the batch
 * rather than copying them (a 2-byte string of 1.2 MB per slice), and the COPY writes them without encoding again.
 */
export interface EncodedRows {
  count: number;
  signatures: Uint8Array<ArrayBuffer>;
  licences: Uint8Array<ArrayBuffer>;
  outbox: Uint8Array<ArrayBuffer>;
}

/** Bytes in an ArrayBuffer of their own (never a slice of Node's shared pool of small buffers). */
function ownBytes(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(Buffer.byteLength(text, 'utf8'));
  Buffer.from(bytes.buffer).write(text, 'utf8');
  return bytes;
}

export function encodedRows(rows: ConvertedRows): EncodedRows {
  return {
    count: rows.count,
    signatures: ownBytes(rows.signatures),
    licences: ownBytes(rows.licences),
    outbox: ownBytes(rows.outbox),
  };
}

/**
 * The record itself is stored once, in the licence row, without the seal and certificate every record of the batch
 * shares (stored once, in `signature_material`); the signing's row names the licence (issue 19).
 */
export const SIGNATURE_COPY_COLUMNS = `seal_signature (id, authorisation_id, seal_id, signer_user_id, document_hash,
  document_title, signing_time, licence_id, created_at)`;
export const LICENCE_COPY_COLUMNS = `licence (id, identifier, series_id, type_id, type_code, type_version, name,
  issuer_organisation_id, issuer_code, serial, version, previous_identifier, licence_number, holder_name, holder_code,
  holder_code_type, holder_email, metadata, data, issue_date, valid_from, valid_to, status, data_hash, signature,
  signature_material, signature_id, seal_id, issuance_id, conversion_job_id, legacy_number, issued_at, created_at)`;
export const OUTBOX_COPY_COLUMNS = `exchange_outbox (id, licence_id, event, payload, status, attempts, created_at)`;

type RowIdKind = 'licence' | 'signature' | 'outbox';

/**
 * Issue 19 (LM-10): stable ids in UUID shape for what a job's rows write (`kind`: the licence, its signature
 * record, its message), so that a redone batch writes the same ids: 12 hex digits from the job and kind (hashed once
 * per job), the row number in 12 more, then 8 from a hash of all three. Within a job the ids rise with the row, so
 * that a conversion's rows go in at the right edge of each index on an id (the primary keys of licence,
 * seal_signature and exchange_outbox, the series and signature indexes) instead of on random pages: past a few
 * hundred thousand rows those indexes outgrow PostgreSQL's shared buffers, and every random insert then reads a page
 * back and, after each checkpoint, writes it whole to the WAL (docs/scale.md session s15).
 */
export function conversionRowIds(jobId: string): (kind: RowIdKind, rowNumber: number) => string {
  const prefix = new Map<RowIdKind, string>();
  return (kind, rowNumber) => {
    let job = prefix.get(kind);
    if (job === undefined) {
      const h = createHash('sha256').update(`${kind}:${jobId}`).digest('hex');
      prefix.set(kind, (job = `${h.slice(0, 8)}-${h.slice(8, 12)}`));
    }
    const row = rowNumber.toString(16).padStart(12, '0');
    const tail = createHash('sha256').update(`${kind}:${jobId}:${rowNumber}`).digest('hex');
    return `${job}-${row.slice(0, 4)}-${row.slice(4, 8)}-${row.slice(8, 12)}${tail.slice(0, 8)}`;
  };
}

export function signConvertedRows(input: ConversionSigningInput): ConvertedRows {
  const sign = rowSigner(input.context);
  const lines = input.rows.map((row, i) => sign(row, input.firstSerial + i));
  return {
    count: lines.length,
    signatures: lines.map((l) => l.signature).join(''),
    licences: lines.map((l) => l.licence).join(''),
    outbox: lines.map((l) => l.outbox).join(''),
  };
}

/** A row's metadata with holes where its own values go (domain/json-template.ts). */
function metadataWithHoles(c: ConversionSigningContext): LicenceMetadata {
  const { definition } = c.type;
  return {
    name: definition.name,
    typeCode: definition.code,
    typeVersion: c.type.version,
    identifier: hole('identifier'),
    licenceNumber: hole('number'),
    version: 1,
    previousIdentifier: null,
    issuer: { name: c.issuer.name, code: c.issuer.uscc },
    issueDate: hole('issued'),
    holder: hole('holder') as never,
    validFrom: hole('from'),
    validTo: hole('to'),
    serviceItems: definition.serviceItems,
  };
}

/**
 * Issue 19: what every row of the slice shares is serialised once — the licence's canonical form and its metadata
 * around the row's own values, and the signature record without its material (the seal and certificate, stored
 * once per batch) already in COPY's escaping (pki/seal-signer.ts licenceRecordWriter). Each row's texts are what
 * serialising its whole metadata and record gives (test/unit/conversion-signing-pool.test.ts).
 */
function rowSigner(c: ConversionSigningContext) {
  const { definition } = c.type;
  const metadata = metadataWithHoles(c);
  const canonical = jsonTemplate(canonicalLicence({ metadata, data: hole('data') as never }));
  const metadataText = jsonTemplate(JSON.stringify(metadata), copyField);
  const record = licenceRecordWriter(
    {
      seal: c.seal,
      certificatePem: c.certificatePem,
      privateKeyPem: c.privateKeyPem,
      signingTime: new Date(c.now),
      documentTitle: c.documentTitle,
      authorisationId: c.authorisationId,
      purpose: {
        purpose: expectedLicencePurpose(1),
        typeCode: definition.code,
        sealKind: definition.sealKind,
      },
    },
    copyField,
    { compact: true },
  );
  const idOf = conversionRowIds(c.jobId);
  return (row: ConvertibleRow, serialNumber: number) => {
    const serial = formatSerial(serialNumber);
    const identifier = licenceIdentifier({
      typeCode: definition.code,
      issuerCode: c.issuer.uscc,
      serial,
      version: 1,
    });
    // Each template serialises only its own holes: the metadata has no `data`, the row's biggest value.
    const values = {
      identifier,
      number: row.licenceNumber,
      issued: row.issueDate,
      holder: row.holder,
      from: row.validFrom,
      to: row.validTo,
      data: row.data,
    };
    const dataHash = canonicalLicenceHash(fillJsonTemplate(canonical, values, canonicalJson));
    return rowLines(c, row, idOf, {
      serial,
      identifier,
      dataHash,
      metadata: fillJsonTemplate(metadataText, values, (v) => copyField(JSON.stringify(v))),
      record: record(dataHash, identifier),
    });
  };
}

/** A row's COPY lines for the three tables; `metadata` and `record` are already COPY text. */
function rowLines(
  c: ConversionSigningContext,
  row: ConvertibleRow,
  idOf: ReturnType<typeof conversionRowIds>,
  r: { serial: string; identifier: string; dataHash: string; metadata: string; record: string },
) {
  const { definition } = c.type;
  const id = idOf('licence', row.rowNumber);
  const signatureId = idOf('signature', row.rowNumber);
  return {
    signature: copyLine([
      signatureId,
      c.authorisationId,
      c.seal.id,
      c.signerUserId,
      r.dataHash,
      c.documentTitle,
      c.now,
      id,
      c.now,
    ]),
    licence: copyLine([
      id,
      r.identifier,
      id,
      c.type.id,
      definition.code,
      c.type.version,
      definition.name,
      c.issuer.id,
      c.issuer.uscc,
      r.serial,
      1,
      null,
      row.licenceNumber,
      row.holder.name,
      row.holder.code,
      row.holder.codeType,
      null,
      { copyText: r.metadata },
      JSON.stringify(row.data),
      row.issueDate,
      row.validFrom,
      row.validTo,
      'valid',
      r.dataHash,
      { copyText: r.record },
      c.signatureMaterialId,
      signatureId,
      c.seal.id,
      null,
      c.jobId,
      row.licenceNumber,
      c.now,
      c.now,
    ]),
    outbox: copyLine([
      idOf('outbox', row.rowNumber),
      id,
      c.exchangeEvent,
      null, // the export is the licence row itself, built at delivery (activities/exchange.ts withPayloads)
      'pending',
      0,
      c.now,
    ]),
  };
}
