/**
 * Issue 19 (LM-10): legacy conversion (存量转换) jobs for the API and the page. An issuing unit's licence staff
 * uploads a file for one type it issues (CSV, .xlsx, or NDJSON streamed): the rows are staged in the job; the
 * mapping of the file's columns to the type's fields is checked, saved per unit and type and applied to every row,
 * giving the preview (each bad row with its row number, field and rule — nothing converted yet); starting takes
 * the unit's one seal-use authorisation for the conversion whose uses cover the good rows (SM-12) and starts the
 * job's workflow (workflows/licence-conversion.ts), whose progress the page reads from the job's committed counts.
 * Rejected rows come back as a CSV fit to fix and upload again. Every step is audited.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { LicenceType } from '../../db/licence-entities';
import { LICENCE_LEGACY_KEY } from '../../db/licence-legacy-key';
import { shanghaiDateOf } from '../../domain/calendar';
import {
  checkConversionRow,
  conversionProgress,
  mappingProblems,
  mappingTargets,
  rejectedRowCsvLine,
  rejectedRowsCsvHeader,
  suggestMapping,
} from '../../domain/licence-conversion';
import { ConversionMapping } from '../../domain/licence-conversion-schema';
import { conversionSealDocumentTitle } from '../../domain/licence';
import type { DataProblem } from '../../domain/licence-type';
import { TYPE_CODE_PATTERN } from '../../domain/licence-identifier';
import { DurableRequests } from '../../usecases/durable-request';
import { licenceConversionWorkflow } from '../../workflows/licence-conversion';
import { licenceConversionWorkflowId } from '../../workflows/licence-conversion-messages';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import {
  FileTable,
  formatOf,
  meterUpload,
  MeteredUpload,
  openConversionFile,
  openNdjson,
} from './conversion-files';
import { stageRows } from './conversion-staging';
import { ISSUER_ROLES } from './licence-access';

export const ConversionUploadFields = z
  .object({ licenceType: z.string().regex(TYPE_CODE_PATTERN, { message: '应为 21 位证照类型代码' }) })
  .strict();
export const ConversionMappingBody = z.object({ mapping: ConversionMapping }).strict();
export const ConversionStartBody = z
  .object({ authorisationId: z.string().trim().min(1).max(100).optional() })
  .strict();

/** A multipart file as it arrives (multer's stream), its size not yet checked. */
export interface UploadedFile {
  stream: Readable;
  fileName: string;
}

const PREVIEW_ROWS = 20;
const PREVIEW_PROBLEMS = 200;
const CHECK_CHUNK = 5000;

interface JobRow {
  id: string;
  organisation_id: string;
  type_id: string;
  type_code: string;
  file_name: string;
  file_format: string;
  file_sha256: string | null;
  file_bytes: string | null;
  columns: string[];
  mapping: ConversionMapping | null;
  status: 'uploaded' | 'checked' | 'running' | 'completed' | 'failed';
  total_rows: number;
  invalid_rows: number | null;
  authorisation_id: string | null;
  next_row: number;
  converted: number;
  already_converted: number;
  rejected: number;
  failure_reason: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/**
 * How many good rows of a job carry a legacy number the unit has not converted for the type; parameters: the job,
 * the unit, the type, the file's column of legacy numbers. Each row probes the legacy key's own index, whatever
 * the statistics know (db/migrations/Migration20261208100001_conversion_legacy_key.ts says why).
 */
export const ROWS_TO_SIGN_SQL = `select count(*) as n from conversion_row r
  where r.job_id = ? and r.problems is null
    and not exists (select 1 from licence l where l.legacy_number is not null
                      and ${LICENCE_LEGACY_KEY} = licence_legacy_key(?, ?, btrim(r.cells->>?)))`;

export class LicenceConversionService {
  private readonly durable: DurableRequests;
  constructor(private readonly ctx: AppContext) {
    this.durable = new DurableRequests(ctx);
  }

  /**
   * POST /api/conversions (multipart): a CSV or .xlsx file for one type, staged as it streams in, not converted.
   * The type (a field before the file) is checked before the file is read; without a file, the refusal says so.
   */
  async uploadFile(principal: Principal, fields: unknown, file: UploadedFile | undefined, meta: RequestMeta) {
    const { licenceType } = parse(ConversionUploadFields, fields);
    const type = await this.typeForUpload(principal, licenceType, meta);
    const upload = file && (await meterUpload(file.stream, this.ctx.config.conversionMaxBytes));
    if (!file || !upload || upload.head.length === 0)
      throw badRequest([{ field: 'file', rule: 'required', message: '请选择要转换的 CSV 或 Excel 文件' }]);
    const format = formatOf(file.fileName, upload.head);
    const table = await openConversionFile(format, upload.body);
    return this.createJob(principal, type, { fileName: file.fileName, format }, table, upload, meta);
  }

  /** POST /api/conversions/ndjson?licenceType=…: rows streamed as NDJSON, staged as they come, not converted. */
  async uploadNdjson(principal: Principal, query: unknown, stream: Readable, meta: RequestMeta) {
    const { licenceType } = parse(ConversionUploadFields, query);
    const type = await this.typeForUpload(principal, licenceType, meta);
    const upload = await meterUpload(stream, this.ctx.config.conversionMaxBytes);
    const table = await openNdjson(upload.body);
    return this.createJob(
      principal,
      type,
      { fileName: 'stream.ndjson', format: 'ndjson' },
      table,
      upload,
      meta,
    );
  }

  /** The fields that came after the file, checked as those before it were; if refused, the staged job goes. */
  async checkFieldsAfterFile<T extends { id: string }>(fields: unknown, job: T): Promise<T> {
    try {
      parse(ConversionUploadFields, fields);
      return job;
    } catch (err) {
      await this.discard(job.id);
      throw err;
    }
  }

  /** A job staged by `uploadFile` whose request then failed: removed whole, with its rows. */
  async discard(jobId: string): Promise<void> {
    await this.ctx.em().execute(`delete from conversion_job where id = ? and status = 'uploaded'`, [jobId]);
  }

  private async typeForUpload(principal: Principal, code: string, meta: RequestMeta): Promise<LicenceType> {
    if (!principal.roles.some((r) => ISSUER_ROLES.includes(r)))
      await this.deny(principal, null, '存量证照转换需要证照制发人员或业务系统接入账号的角色', meta);
    const type = await this.ctx
      .em()
      .findOne(LicenceType, { code, status: 'published' }, { disableIdentityMap: true });
    if (!type)
      throw badRequest([
        { field: 'licenceType', rule: 'unknown_type', message: '证照目录中没有该代码的已发布证照类型' },
      ]);
    if (!type.definition.issuingUnitIds.includes(principal.organisationId))
      await this.deny(
        principal,
        null,
        `本单位不是证照目录中“${type.name}”的制发单位，不能转换该类证照`,
        meta,
      );
    return type;
  }

  /**
   * The job and its rows in ONE transaction, the rows staged by COPY as the upload is parsed: a file refused
   * half-way (or past the size limit) rolls back with nothing staged.
   */
  private async createJob(
    principal: Principal,
    type: LicenceType,
    file: { fileName: string; format: string },
    table: FileTable,
    upload: MeteredUpload,
    meta: RequestMeta,
  ) {
    const id = randomUUID();
    const mapping = await this.initialMapping(principal, type, table.columns);
    await this.ctx.em().transactional(async (tx) => {
      await tx.execute(
        `insert into conversion_job (id, organisation_id, type_id, type_code, file_name, file_format, columns,
                                     mapping, status, total_rows, created_by)
         values (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, 'uploaded', 0, ?)`,
        [
          id,
          principal.organisationId,
          type.id,
          type.code,
          file.fileName.slice(0, 200),
          file.format,
          JSON.stringify(table.columns),
          JSON.stringify(mapping),
          principal.userId,
        ],
      );
      const rows = await stageRows(tx, id, table.rows);
      const { sha256, bytes } = await upload.finish();
      await tx.execute(
        `update conversion_job set total_rows = ?, file_sha256 = ?, file_bytes = ? where id = ?`,
        [rows, sha256, bytes, id],
      );
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'licence.conversion.upload',
        targetType: 'conversion_job',
        targetId: id,
        outcome: 'success',
        details: { typeCode: type.code, fileName: file.fileName, format: file.format, rows, sha256, bytes },
        ...meta,
      });
    });
    return this.view(principal, id);
  }

  /** The unit's saved mapping for the type when it fits the file's columns; else one suggested from their names. */
  private async initialMapping(principal: Principal, type: LicenceType, columns: string[]) {
    const saved: Array<{ mapping: ConversionMapping }> = await this.ctx
      .em()
      .execute(`select mapping from conversion_mapping where organisation_id = ? and type_code = ?`, [
        principal.organisationId,
        type.code,
      ]);
    const remembered = saved[0]?.mapping;
    return remembered && mappingProblems(type.definition, remembered, columns).length === 0
      ? remembered
      : suggestMapping(type.definition, columns);
  }

  /** PUT /api/conversions/:id/mapping: the mapping checked, saved and applied to every row (the preview). */
  async setMapping(principal: Principal, jobId: string, raw: unknown, meta: RequestMeta) {
    const { mapping } = parse(ConversionMappingBody, raw);
    const job = await this.ownJob(principal, jobId);
    if (job.status !== 'uploaded' && job.status !== 'checked')
      throw conflict('转换已开始或已结束，不能再修改列对应关系');
    const type = await this.typeOf(job);
    const problems = mappingProblems(type.definition, mapping, job.columns);
    if (problems.length > 0) throw badRequest(problems);
    const invalid = await this.checkRows(job, type, mapping);
    await this.ctx.em().transactional(async (tx) => {
      await tx.execute(
        `update conversion_job set mapping = ?::jsonb, status = 'checked', invalid_rows = ? where id = ?`,
        [JSON.stringify(mapping), invalid, job.id],
      );
      await tx.execute(
        `insert into conversion_mapping (organisation_id, type_code, mapping, updated_at) values (?, ?, ?::jsonb, now())
         on conflict (organisation_id, type_code) do update set mapping = excluded.mapping, updated_at = now()`,
        [job.organisation_id, job.type_code, JSON.stringify(mapping)],
      );
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'licence.conversion.map',
        targetType: 'conversion_job',
        targetId: job.id,
        outcome: 'success',
        details: { mapping, invalidRows: invalid },
        ...meta,
      });
    });
    return this.view(principal, job.id);
  }

  /**
   * Every row checked with the mapping, in chunks by row number; answers how many are bad. Only the bad rows are
   * written (their problems), after the problems of an earlier mapping are cleared: a good row stays as staged, so
   * that a file of a million good rows is not rewritten whole (issue 19).
   */
  private async checkRows(job: JobRow, type: LicenceType, mapping: ConversionMapping): Promise<number> {
    const em = this.ctx.em();
    const today = shanghaiDateOf(new Date());
    await em.execute(`update conversion_row set problems = null where job_id = ? and problems is not null`, [
      job.id,
    ]);
    let invalid = 0;
    for (let after = 0; ;) {
      const rows: Array<{ row_number: number; cells: Record<string, string> }> = await em.execute(
        `select row_number, cells from conversion_row where job_id = ? and row_number > ? order by row_number limit ?`,
        [job.id, after, CHECK_CHUNK],
      );
      if (rows.length === 0) return invalid;
      const bad = rows.flatMap((r) => {
        const check = checkConversionRow(type.definition, mapping, r.row_number, r.cells, today);
        return check.ok ? [] : [{ row_number: r.row_number, problems: check.problems }];
      });
      invalid += bad.length;
      if (bad.length > 0)
        await em.execute(
          `update conversion_row r set problems = x.problems
             from jsonb_to_recordset(?::jsonb) as x(row_number int, problems jsonb)
            where r.job_id = ? and r.row_number = x.row_number`,
          [JSON.stringify(bad), job.id],
        );
      after = rows[rows.length - 1]!.row_number;
    }
  }

  /** POST /api/conversions/:id/start: under one authorisation covering the good rows, the workflow starts. */
  async start(principal: Principal, jobId: string, raw: unknown, meta: RequestMeta) {
    const body = parse(ConversionStartBody, raw ?? {});
    const job = await this.ownJob(principal, jobId);
    if (job.status === 'uploaded') throw conflict('请先确认列对应关系并查看校验预览，再开始转换');
    if (job.status === 'running') {
      await this.durable.start(this.workflowStart(job.id, job.started_at ?? new Date()));
      return this.view(principal, job.id);
    }
    if (job.status !== 'checked')
      throw conflict('该转换已结束；再次转换同一文件请重新上传（已转换的行不会重复转换）');
    const type = await this.typeOf(job);
    const needed = await this.rowsToSign(job);
    const authorisation = await this.conversionAuthorisation(job, type, needed, body.authorisationId);
    const startedAt = new Date();
    await this.ctx.em().transactional(async (tx) => {
      await tx.execute(
        `update conversion_job set status = 'running', authorisation_id = ?, started_at = ? where id = ?`,
        [authorisation.id, startedAt, job.id],
      );
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'licence.conversion.start',
        targetType: 'conversion_job',
        targetId: job.id,
        outcome: 'success',
        details: { authorisationId: authorisation.id, rows: job.total_rows, goodRows: needed },
        ...meta,
      });
    });
    try {
      await this.durable.start(this.workflowStart(job.id, startedAt));
    } catch {
      // Nothing half-written: the job goes back to checked and may be started again.
      await this.ctx
        .em()
        .execute(`update conversion_job set status = 'checked', started_at = null where id = ?`, [job.id]);
      throw new ApiError('UNAVAILABLE', '流程服务暂不可用，转换未开始，请稍后重试');
    }
    return this.view(principal, job.id);
  }

  /** The good rows whose legacy number the unit has not converted yet: the uses the conversion will consume. */
  private async rowsToSign(job: JobRow): Promise<number> {
    const rows: Array<{ n: string }> = await this.ctx
      .em()
      .execute(ROWS_TO_SIGN_SQL, [
        job.id,
        job.organisation_id,
        job.type_code,
        job.mapping?.licenceNumber ?? '',
      ]);
    return Number(rows[0]!.n);
  }

  private workflowStart(jobId: string, startedAt: Date) {
    return {
      workflow: licenceConversionWorkflow,
      workflowId: licenceConversionWorkflowId(jobId),
      args: [{ jobId, startedAtMs: startedAt.getTime() }] as Parameters<typeof licenceConversionWorkflow>,
    };
  }

  /**
   * SM-12: the unit's approved authorisation for the conversion title of the type, on an active seal of the
   * type's kind, live now, with uses for every good row; the one named, else the one ending soonest.
   */
  private async conversionAuthorisation(job: JobRow, type: LicenceType, needed: number, named?: string) {
    const now = new Date();
    const title = conversionSealDocumentTitle(type.definition);
    const rows: Array<{ id: string; remaining: number }> = await this.ctx.em().execute(
      `select a.id, a.max_uses - a.used_count as remaining
         from seal_use_authorisation a join seal s on s.id = a.seal_id
        where s.organisation_id = ? and s.kind = ? and s.status = 'active' and a.status = 'active'
          and a.valid_from <= ? and a.valid_to > ? and a.documents @> ?::jsonb and (?::text is null or a.id = ?)
        order by a.valid_to asc`,
      [
        job.organisation_id,
        type.definition.sealKind,
        now,
        now,
        JSON.stringify([{ title }]),
        named ?? null,
        named ?? null,
      ],
    );
    const enough = rows.find((r) => Number(r.remaining) >= needed);
    if (enough) return enough;
    const best = rows.length > 0 ? Math.max(...rows.map((r) => Number(r.remaining))) : 0;
    throw new ApiError(
      'CONFLICT',
      `没有可用于本次转换的用印授权：需要文件“${title}”的经批准用印授权，且剩余次数不少于 ${needed} 次（现有最多 ${best} 次）`,
      { reason: 'CONVERSION_AUTHORISATION_MISSING', documentTitle: title, neededUses: needed },
    );
  }

  /** GET /api/conversions/:id: the job, its mapping targets, the preview and the live progress. */
  async view(principal: Principal, jobId: string) {
    const job = await this.ownJob(principal, jobId);
    const type = await this.typeOf(job);
    const em = this.ctx.em();
    const preview: Array<{
      row_number: number;
      cells: Record<string, string>;
      problems: DataProblem[] | null;
    }> = await em.execute(
      `select row_number, cells, problems from conversion_row where job_id = ? order by row_number limit ?`,
      [job.id, PREVIEW_ROWS],
    );
    const bad: Array<{ row_number: number; problems: DataProblem[] }> =
      job.status === 'uploaded'
        ? []
        : await em.execute(
            `select row_number, problems from conversion_row where job_id = ? and problems is not null
              order by row_number limit ?`,
            [job.id, PREVIEW_PROBLEMS],
          );
    const progress = this.progress(job);
    return {
      id: job.id,
      status: job.status,
      licenceType: { code: type.code, name: type.name },
      fileName: job.file_name,
      format: job.file_format,
      fileSha256: job.file_sha256,
      fileBytes: job.file_bytes === null ? null : Number(job.file_bytes),
      columns: job.columns,
      targets: mappingTargets(type.definition),
      mapping: job.mapping ?? {},
      totalRows: job.total_rows,
      invalidRows: job.invalid_rows,
      authorisationDocumentTitle: conversionSealDocumentTitle(type.definition),
      preview: preview.map((r) => ({ rowNumber: r.row_number, cells: r.cells, problems: r.problems ?? [] })),
      rejectedRows: bad.flatMap((r) => r.problems.map((p) => ({ rowNumber: r.row_number, ...p }))),
      progress,
      createdAt: job.created_at,
      startedAt: job.started_at,
      finishedAt: job.finished_at,
      failureReason: job.failure_reason,
    };
  }

  /**
   * The committed counts of the job row: each batch moves them in the transaction that writes its licences, and
   * the workflow's state holds no more than the last batch's answer. Asking the workflow (a Temporal query per poll
   * of the progress bar) cost the server, the worker and the API a round trip each time and told nothing new.
   */
  private progress(job: JobRow) {
    const state = {
      doneRows: Math.min(job.next_row - 1, job.total_rows),
      converted: job.converted,
      alreadyConverted: job.already_converted,
      rejected: job.rejected,
    };
    const startedAtMs = job.started_at ? new Date(job.started_at).getTime() : null;
    const endMs = job.finished_at ? new Date(job.finished_at).getTime() : Date.now();
    return {
      ...state,
      totalRows: job.total_rows,
      ...conversionProgress({
        totalRows: job.total_rows,
        doneRows: state.doneRows,
        startedAtMs,
        nowMs: endMs,
      }),
      durationSeconds: startedAtMs ? Math.max(0, Math.round((endMs - startedAtMs) / 100) / 10) : null,
    };
  }

  /**
   * GET /api/conversions/:id/rejected.csv: the bad rows with their reasons, fit to fix and upload again; the job is
   * checked now, the file is read in chunks of rows as the answer is written (a million bad rows are not held).
   */
  async rejectedCsv(
    principal: Principal,
    jobId: string,
  ): Promise<{ fileName: string; csv: AsyncGenerator<string> }> {
    const job = await this.ownJob(principal, jobId);
    const em = this.ctx.em();
    async function* lines(): AsyncGenerator<string> {
      yield rejectedRowsCsvHeader(job.columns);
      for (let after = 0; ;) {
        const rows: Array<{ row_number: number; cells: Record<string, string>; problems: DataProblem[] }> =
          await em.execute(
            `select row_number, cells, problems from conversion_row
              where job_id = ? and problems is not null and row_number > ? order by row_number limit ?`,
            [job.id, after, CHECK_CHUNK],
          );
        if (rows.length === 0) return;
        yield rows
          .map((r) =>
            rejectedRowCsvLine(job.columns, {
              rowNumber: r.row_number,
              cells: r.cells,
              problems: r.problems,
            }),
          )
          .join('');
        after = rows[rows.length - 1]!.row_number;
      }
    }
    return { fileName: `rejected-${job.id}.csv`, csv: lines() };
  }

  /** GET /api/conversions: the unit's jobs, newest first. */
  async list(principal: Principal) {
    this.requireIssuer(principal);
    const rows: Array<JobRow & { type_name: string }> = await this.ctx.em().execute(
      `select j.*, t.name as type_name from conversion_job j join licence_type t on t.id = j.type_id
        where j.organisation_id = ? order by j.created_at desc limit 100`,
      [principal.organisationId],
    );
    return rows.map((j) => ({
      id: j.id,
      status: j.status,
      licenceType: { code: j.type_code, name: j.type_name },
      fileName: j.file_name,
      totalRows: j.total_rows,
      converted: j.converted,
      rejected: j.rejected,
      createdAt: j.created_at,
      finishedAt: j.finished_at,
    }));
  }

  /** The published types the caller's unit issues, for the upload form. */
  async typesToConvert(principal: Principal): Promise<Array<{ code: string; name: string }>> {
    this.requireIssuer(principal);
    const rows: Array<{ code: string; name: string }> = await this.ctx.em().execute(
      `select code, name from licence_type
        where status = 'published' and definition->'issuingUnitIds' @> jsonb_build_array(?::text) order by name`,
      [principal.organisationId],
    );
    return rows.map((r) => ({ code: r.code.trim(), name: r.name }));
  }

  private requireIssuer(principal: Principal) {
    if (!principal.roles.some((r) => ISSUER_ROLES.includes(r)))
      throw forbidden('存量证照转换需要证照制发人员或业务系统接入账号的角色');
  }

  private async ownJob(principal: Principal, jobId: string): Promise<JobRow> {
    this.requireIssuer(principal);
    if (!z.uuid().safeParse(jobId).success) throw notFound('转换任务');
    const rows: JobRow[] = await this.ctx.em().execute(`select * from conversion_job where id = ?`, [jobId]);
    const job = rows[0];
    if (!job) throw notFound('转换任务');
    if (job.organisation_id !== principal.organisationId)
      throw forbidden('这是其他单位的转换任务，您无权查看或操作');
    return job;
  }

  private typeOf(job: JobRow): Promise<LicenceType> {
    return (this.ctx.em() as EntityManager).findOneOrFail(
      LicenceType,
      { id: job.type_id },
      { disableIdentityMap: true },
    );
  }

  private async deny(principal: Principal, targetId: string | null, message: string, meta: RequestMeta) {
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action: 'licence.conversion.upload',
      targetType: 'conversion_job',
      targetId,
      outcome: 'denied',
      details: { reason: message },
      ...meta,
    });
    const error = forbidden(message);
    error.audited = true;
    throw error;
  }
}
