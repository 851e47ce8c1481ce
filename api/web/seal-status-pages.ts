/**
 * A seal's status on the pages (zh-CN, issue 12 Build 5): the public status page `/seals/status/<code>` (no login,
 * SM-15, SM-16), and on the seal page the status with its history and the forms 挂失 (at once, SM-16), 注销 (with
 * proof and the time it takes effect, SM-15), 解除挂失 and 续期 (SM-8) — the last three go to the approval engine. The
 * rules are SealStatusService's and domain/seal-status.ts's, shared with the JSON API.
 */
import { NextFunction, Request, Response, Router } from 'express';
import multer from 'multer';
import {
  RENEWAL_WINDOW_DAYS,
  renewalWindowProblem,
  SealLossReportBody,
  SealStatusRequestBody,
} from '../../domain/seal-status';
import type { AppContext } from '../context';
import { ApiError, badRequest } from '../errors';
import type { Principal } from '../principal';
import { requestMeta } from '../principal';
import { ATTACHMENT_MAX_BYTES, storeAttachment } from '../services/attachments';
import type { SealStatusService } from '../services/seal-status';
import type { SealView } from '../services/seals';
import { parse } from '../validation';
import { renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

const ACTING_ROLES = ['seal_applicant', 'unit_leader'];

/** `datetime-local` values are Beijing time; the API takes ISO times with an offset. */
function fromLocalInput(value: unknown): string | undefined {
  const v = typeof value === 'string' ? value.trim() : '';
  if (v === '') return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+08:00` : v;
}

/** What the seal page shows about the seal's status: since when, why, the history, requests and the forms. */
export async function sealStatusSection(service: SealStatusService, principal: Principal, seal: SealView) {
  const [status, history, requests] = await Promise.all([
    service.status(principal, seal.id),
    service.history(principal, seal.id),
    service.requestsForSeal(principal, seal.id),
  ]);
  const mayAct =
    seal.organisationId === principal.organisationId && principal.roles.some((r) => ACTING_ROLES.includes(r));
  const pending = requests.some((r) => r.status === 'pending');
  return {
    status,
    history,
    requests,
    canReportLoss: mayAct && status.status === 'active',
    canCancel: mayAct && status.status !== 'cancelled' && !pending,
    canRestore: mayAct && status.status === 'lost' && !pending,
    // SM-8: 续期 within the 30 days before the seal (its certificate) expires.
    canRenew:
      mayAct &&
      status.status === 'active' &&
      !pending &&
      !renewalWindowProblem(new Date(seal.validTo), new Date()),
    renewalWindowDays: RENEWAL_WINDOW_DAYS,
    publicUrl: `/seals/status/${seal.esId}`,
  };
}

export function sealStatusPageRoutes(ctx: AppContext, service: SealStatusService): Router {
  const { router, auth, form } = pageRouter(ctx);
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: ATTACHMENT_MAX_BYTES, files: 1 },
  });

  // Public: anyone may see a seal's status and since when.
  router.get('/seals/status/:code', auth, async (req, res) => {
    const seal = await service.publicStatus(String(req.params.code));
    res.send(renderPage('seal-status', { title: `印章状态：${seal.name}`, principal: req.principal, seal }));
  });

  // SM-16: 挂失 — the seal is suspended at once.
  router.post(
    '/seals/:id/loss',
    auth,
    form,
    signedIn(async (req, res, principal) => {
      const body = parse(SealLossReportBody, { reason: (req.body as { reason?: string })?.reason ?? '' });
      await service.reportLoss(principal, String(req.params.id), body, requestMeta(req));
      res.redirect(303, `/seals/${encodeURIComponent(String(req.params.id))}#seal-status`);
    }),
  );

  // SM-15/SM-16: 注销 or 解除挂失 — a request to the approval engine, with a proof file for a cancellation.
  router.post(
    '/seals/:id/status-requests',
    auth,
    (req: Request, res: Response, next: NextFunction) =>
      upload.single('file')(req, res, (err: unknown) =>
        next(
          err instanceof multer.MulterError
            ? badRequest([{ field: 'file', rule: err.code, message: '证明材料不能超过 10 MB' }])
            : err,
        ),
      ),
    signedIn(async (req, res, principal) => {
      const raw = (req.body ?? {}) as Record<string, string | undefined>;
      const attachments = req.file
        ? [(await storeAttachment(ctx, principal, req.file, requestMeta(req))).id]
        : [];
      const body = parse(SealStatusRequestBody, {
        sealId: String(req.params.id),
        action: raw.action,
        reason: raw.reason ?? '',
        effectiveFrom: fromLocalInput(raw.effectiveFrom),
        attachments,
      });
      const { request } = await service.submitRequest(principal, body, requestMeta(req));
      if (!request.approval.url.startsWith('/approvals/')) throw new ApiError('INTERNAL', '审批流程地址无效');
      res.redirect(303, request.approval.url);
    }),
  );

  return router;
}
