/**
 * Issue 19 (LM-10, WP-(二)2): legacy conversion over HTTP — upload (multipart CSV/.xlsx, or NDJSON streamed), the
 * column mapping with its preview, start, the job with its live progress, the rejected rows as CSV; the units'
 * stock estimates and the management unit's completion report. Thin: parse, authorise, call the services.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import multer from 'multer';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { ApiError, badRequest } from '../errors';
import { requestMeta } from '../principal';
import { tooLarge } from '../services/conversion-files';
import type { ConversionCompletionService } from '../services/conversion-completion';
import type { LicenceConversionService } from '../services/licence-conversion';

export function conversionRoutes(
  ctx: AppContext,
  service: LicenceConversionService,
  completion: ConversionCompletionService,
): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  router.use(['/conversions', '/conversion'], auth);
  const maxBytes = ctx.config.conversionMaxBytes;
  // The file is not held: its stream goes to the service, which stages its rows as they arrive and counts its
  // bytes against the size limit (issue 19).
  const upload = multer({ storage: stagingStorage(service), limits: { files: 1, fields: 5 } });

  router.post('/conversions', (req, res, next) => {
    upload.single('file')(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError)
        return next(
          badRequest([{ field: 'file', rule: err.code, message: '上传内容不符合要求：只能上传一个文件' }]),
        );
      if (err instanceof ApiError) return next(err);
      if (err)
        return next(
          badRequest([{ field: 'file', rule: 'multipart', message: '请求体不是合法的 multipart/form-data' }]),
        );
      next();
    });
  });
  router.post('/conversions', async (req, res) => {
    const staged = (req.file as StagedFile | undefined)?.job;
    const job = staged
      ? await service.checkFieldsAfterFile(req.body ?? {}, staged)
      : await service.uploadFile(requirePrincipal(req), req.body ?? {}, undefined, requestMeta(req));
    res.status(201).json(job);
  });

  router.post('/conversions/ndjson', async (req, res) => {
    // text/plain too: a line of JSON per row is plain text, and what simple tools (and the API fuzzer) send.
    if (!req.is(['application/x-ndjson', 'text/plain']))
      throw badRequest([
        {
          field: 'body',
          rule: 'content_type',
          message: '请以 application/x-ndjson（每行一个 JSON 对象）发送数据流',
        },
      ]);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) throw tooLarge(maxBytes);
    res.status(201).json(await service.uploadNdjson(requirePrincipal(req), req.query, req, requestMeta(req)));
  });

  router.get('/conversions', async (req, res) => {
    res.json({ items: await service.list(requirePrincipal(req)) });
  });

  router.get('/conversions/:id', async (req, res) => {
    res.json(await service.view(requirePrincipal(req), req.params.id));
  });

  router.put('/conversions/:id/mapping', async (req, res) => {
    res.json(await service.setMapping(requirePrincipal(req), req.params.id, req.body, requestMeta(req)));
  });

  router.post('/conversions/:id/start', async (req, res) => {
    res
      .status(202)
      .json(await service.start(requirePrincipal(req), req.params.id, req.body, requestMeta(req)));
  });

  router.get('/conversions/:id/rejected.csv', async (req, res) => {
    const { fileName, csv } = await service.rejectedCsv(requirePrincipal(req), req.params.id);
    res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${fileName}"`);
    // Written as it is read; a failure half-way (the status already sent) cuts the answer short.
    await pipeline(Readable.from(csv), res).catch((err: unknown) => {
      if (!res.headersSent) throw err;
      res.destroy();
    });
  });

  router.put('/conversion/estimates', async (req, res) => {
    res.json(await completion.setEstimate(requirePrincipal(req), req.body, requestMeta(req)));
  });

  router.get('/conversion/completion', async (req, res) => {
    res.json({ items: await completion.report(requirePrincipal(req), new Date()) });
  });

  return router;
}

type StagedJob = Awaited<ReturnType<LicenceConversionService['uploadFile']>>;
type StagedFile = Express.Multer.File & { job?: StagedJob };

/**
 * A multer storage that keeps nothing: the file's stream is handed to the service as it arrives, which stages its
 * rows (one transaction; a refusal leaves nothing). A job staged for a request that multer then fails (a second
 * file) is removed.
 */
function stagingStorage(service: LicenceConversionService): multer.StorageEngine {
  return {
    _handleFile(req, file, callback) {
      const fileName = Buffer.from(file.originalname, 'latin1').toString('utf8');
      service
        .uploadFile(
          requirePrincipal(req),
          req.body ?? {},
          { stream: file.stream, fileName },
          requestMeta(req),
        )
        .then((job) => callback(null, { job } as Partial<StagedFile>), callback);
    },
    _removeFile(_req, file, callback) {
      const job = (file as StagedFile).job;
      if (!job) return callback(null);
      service.discard(job.id).then(() => callback(null), callback);
    },
  };
}
