/**
 * The approval engine over JSON: the inboxes, actions on tasks and processes, a process's view, the management
 * unit's pending view and breach records, attachments, and the staff directory the pickers use. Flow definitions
 * are in ./flow-definitions.ts.
 */
import { Router } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { Attachment } from '../../db/approval-entities';
import { AppUser, Organisation } from '../../db/entities';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { ApiError, badRequest, forbidden, notFound } from '../errors';
import { defOf, PROCESS_ACTION_NAMES, TASK_ACTION_NAMES } from '../../domain/approval';
import { InboxQuery, SupervisionQuery } from '../services/approval-requests';
import type { ApprovalService } from '../services/approvals';
import { ATTACHMENT_MAX_BYTES, storeAttachment } from '../services/attachments';
import { parse } from '../validation';
import { requestMeta } from '../principal';

export { ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES } from '../services/attachments';

const UserListQuery = z.object({ organisationId: z.string().min(1).max(64) }).strict();

export function approvalRoutes(ctx: AppContext, approvals: ApprovalService): Router {
  const router = Router();
  router.use(ctx.auth.middleware({ optional: false }));

  router.get('/tasks', async (req, res) => {
    const query = parse(InboxQuery, req.query);
    res.json({ items: await approvals.inbox.list(requirePrincipal(req), query) });
  });

  // One route per action of the table (domain/approval-actions.ts); any other name is an unknown path (404).
  for (const name of TASK_ACTION_NAMES) {
    router.post(`/tasks/:id/${name}`, async (req, res) => {
      const body = parse(defOf(name).body, req.body ?? {}) as Record<string, unknown>;
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
      const body = parse(defOf(name).body, req.body ?? {}) as Record<string, unknown>;
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
    res.json({ items: await approvals.inbox.supervision(requirePrincipal(req), query) });
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
    const em = ctx.em();
    const attachment = await em.findOne(Attachment, { id: parsed.data }, { populate: ['content'] });
    if (!attachment) throw notFound('附件');
    if (attachment.uploadedBy !== principal.userId) {
      // Others see an attachment through a process it was attached to.
      const rows: Array<{ process_key: string }> = await em
        .getConnection()
        .execute(`select distinct process_key from approval_event where attachments @> ?::jsonb`, [
          JSON.stringify([{ id: attachment.id }]),
        ]);
      let allowed = false;
      for (const r of rows) {
        try {
          await approvals.view(principal, r.process_key);
          allowed = true;
          break;
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
        }
      }
      if (!allowed) throw forbidden('无权查看此附件');
    }
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
    const em = ctx.em();
    const organisation = await em.findOne(Organisation, { id: organisationId });
    if (!organisation) throw notFound('单位');
    const users = await em.find(AppUser, { organisationId, active: true }, { orderBy: { username: 'asc' } });
    res.json({
      items: users.map((u) => ({
        username: u.username,
        displayName: u.displayName,
        organisationId: u.organisationId,
        organisationName: organisation.name,
        roles: u.roles,
      })),
    });
  });

  return router;
}
