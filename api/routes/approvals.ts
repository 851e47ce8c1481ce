/**
 * The approval engine over JSON: the inboxes, actions on tasks and processes, a process's view, the management
 * unit's pending view and breach records, flow definitions, attachments, and the staff directory the pickers use.
 */
import { Router } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { FlowDefinitionBody, PROCESS_KINDS } from '../../domain/flow-definition';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { badRequest, notFound } from '../errors';
import {
  InboxQuery,
  PROCESS_ACTIONS,
  ProcessActionName,
  SupervisionQuery,
  TASK_ACTIONS,
  TaskActionName,
} from '../services/approval-requests';
import type { ApprovalService } from '../services/approvals';
import { ATTACHMENT_MAX_BYTES, readAttachment, storeAttachment } from '../services/attachments';
import { DirectoryService } from '../services/directory';
import { FlowDefinitionService } from '../services/flow-definitions';
import { parse } from '../validation';
import { requestMeta } from '../principal';

export { ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES } from '../services/attachments';

const FlowListQuery = z
  .object({ kind: z.enum(PROCESS_KINDS).optional(), all: z.enum(['true', 'false']).optional() })
  .strict();
const UserListQuery = z.object({ organisationId: z.string().min(1).max(64) }).strict();

export function approvalRoutes(
  ctx: AppContext,
  approvals: ApprovalService,
  flows: FlowDefinitionService,
): Router {
  const router = Router();
  const directory = new DirectoryService(ctx);
  router.use(ctx.auth.middleware({ optional: false }));

  router.get('/tasks', async (req, res) => {
    const query = parse(InboxQuery, req.query);
    res.json({ items: await approvals.inbox.list(requirePrincipal(req), query) });
  });

  router.post('/tasks/:id/:action', async (req, res, next) => {
    const name = req.params.action as TaskActionName;
    if (!(name in TASK_ACTIONS)) return next();
    const body = parse(TASK_ACTIONS[name], req.body ?? {});
    res.json(await approvals.actOnTask(requirePrincipal(req), req.params.id, name, body, requestMeta(req)));
  });

  router.get('/approvals/:id', async (req, res) => {
    res.json(await approvals.view(requirePrincipal(req), req.params.id));
  });

  router.post('/approvals/:id/:action', async (req, res, next) => {
    const name = req.params.action as ProcessActionName;
    if (!(name in PROCESS_ACTIONS)) return next();
    const body = parse(PROCESS_ACTIONS[name], req.body ?? {});
    res.json(
      await approvals.actOnProcess(requirePrincipal(req), req.params.id, name, body, requestMeta(req)),
    );
  });

  router.get('/supervision/pending-tasks', async (req, res) => {
    const query = parse(SupervisionQuery, req.query);
    res.json({ items: await approvals.inbox.supervision(requirePrincipal(req), query) });
  });

  router.get('/supervision/deadline-breaches', async (req, res) => {
    const items = await approvals.inbox.deadlineBreaches(requirePrincipal(req));
    res.json({ items });
  });

  router.get('/flow-definitions', async (req, res) => {
    const q = parse(FlowListQuery, req.query);
    res.json({ items: await flows.list(q.kind, q.all === 'true') });
  });

  router.get('/flow-definitions/:id', async (req, res) => {
    res.json(await flows.get(req.params.id));
  });

  router.post('/flow-definitions', async (req, res) => {
    const principal = requirePrincipal(req);
    const body = parse(FlowDefinitionBody, req.body);
    const saved = await flows.save(principal, body, requestMeta(req));
    res.status(201).location(`/api/flow-definitions/${saved.id}`).json(saved);
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
      if (err) return next(err);
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
    requirePrincipal(req);
    const { organisationId } = parse(UserListQuery, req.query);
    res.json({ items: await directory.staffOf(organisationId) });
  });

  return router;
}
