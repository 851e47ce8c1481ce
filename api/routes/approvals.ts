/**
 * The approval engine over JSON: the inboxes, actions on tasks and processes, a process's view, the management
 * unit's pending view and breach records, attachments, and the staff directory the pickers use. Flow definitions
 * are in ./flow-definitions.ts.
 */
import { Router } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { defOf, PROCESS_ACTION_NAMES, TASK_ACTION_NAMES } from '../../domain/approval';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { badRequest, notFound } from '../errors';
import { InboxQuery, SupervisionQuery } from '../services/approval-requests';
import type { ApprovalService } from '../services/approvals';
import { ATTACHMENT_MAX_BYTES, readAttachment, storeAttachment } from '../services/attachments';
import { DirectoryService } from '../services/directory';
import { parse } from '../validation';
import { requestMeta } from '../principal';

export { ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES } from '../services/attachments';

const UserListQuery = z.object({ organisationId: z.string().min(1).max(64) }).strict();

export function approvalRoutes(ctx: AppContext, approvals: ApprovalService): Router {
  const router = Router();
  const directory = new DirectoryService(ctx);
  const auth = ctx.auth.middleware({ optional: false });
  router.use(auth);

  router.get('/tasks', async (req, res) => {
    const query = parse(InboxQuery, req.query);
    res.json(await approvals.inbox.list(requirePrincipal(req), query));
  });

  // One route per action of the table (domain/approval-actions.ts); any other name is an unknown path (404).
  for (const name of TASK_ACTION_NAMES) {
    router.post(`/tasks/:id/${name}`, async (req, res) => {
      const body = parse(defOf(name).body(), req.body ?? {}) as Record<string, unknown>;
      res.json(
        await approvals.act(requirePrincipal(req), { taskId: req.params.id }, name, body, requestMeta(req)),
      );
    });
  }

  router.get('/approvals/:id', async (req, res) => {
    res.json(await approvals.view(requirePrincipal(req), req.params.id));
  });

  for (const name of PROCESS_ACTION_NAMES) {
    router.post(`/approvals/:id/${name}`, async (req, res) => {
      const body = parse(defOf(name).body(), req.body ?? {}) as Record<string, unknown>;
      res.json(
        await approvals.act(
          requirePrincipal(req),
          { processKey: req.params.id },
          name,
          body,
          requestMeta(req),
        ),
      );
    });
  }

  router.get('/supervision/pending-tasks', async (req, res) => {
    const query = parse(SupervisionQuery, req.query);
    res.json(await approvals.inbox.supervision(requirePrincipal(req), query));
  });

  router.get('/supervision/deadline-breaches', async (req, res) => {
    const items = await approvals.inbox.deadlineBreaches(requirePrincipal(req));
    res.json({ items });
  });

  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: ATTACHMENT_MAX_BYTES, files: 1, fields: 0 },
  });
  router.post('/attachments', (req, res, next) => {
    upload.single('file')(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError) {
        return next(
          err.code === 'LIMIT_FILE_SIZE'
            ? badRequest([{ field: 'file', rule: 'max_size', message: '附件不能超过 10 MB' }])
            : badRequest([{ field: 'file', rule: err.code, message: err.message }]),
        );
      }
      // Anything else from the multipart parser (busboy) is a malformed body: no boundary, a broken part header,
      // an early end. The caller's fault, not the server's (Schemathesis found these answered 500).
      if (err) {
        return next(
          badRequest([{ field: 'file', rule: 'multipart', message: '请求体不是合法的 multipart/form-data' }]),
        );
      }
      next();
    });
  });
  router.post('/attachments', async (req, res) => {
    res.status(201).json(await storeAttachment(ctx, requirePrincipal(req), req.file, requestMeta(req)));
  });

  router.get('/attachments/:id', async (req, res) => {
    const principal = requirePrincipal(req);
    const parsed = z.uuid().safeParse(req.params.id);
    if (!parsed.success) throw notFound('附件');
    const attachment = await readAttachment(ctx, approvals, principal, parsed.data);
    res
      .type(attachment.mediaType)
      .set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(attachment.fileName)}`)
      .set('Content-Security-Policy', "default-src 'none'; sandbox")
      .set('Cache-Control', 'private, max-age=300')
      .send(attachment.content);
  });

  router.get('/users', async (req, res) => {
    const principal = requirePrincipal(req);
    const { organisationId } = parse(UserListQuery, req.query);
    res.json({ items: await directory.staffOf(principal, organisationId) });
  });

  return router;
}
