/**
 * A seal's custodian and deputy on the pages (zh-CN, issue 15 Build 5, SM-14): on the seal page who keeps it, the
 * change history and the form 申请变更保管人 (to the unit leader through the approval engine). The rules are
 * SealCustodianService's and domain/seal-custodian.ts's, shared with the JSON API.
 */
import { Router } from 'express';
import { SealCustodianChangeBody } from '../../domain/seal-custodian';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import type { Principal } from '../principal';
import { requestMeta } from '../principal';
import { CUSTODIAN_REQUESTING_ROLES, SealCustodianService } from '../services/seal-custodians';
import type { SealView } from '../services/seals';
import { parse } from '../validation';
import { signedIn } from './render';
import { pageRouter } from './page-router';

/** What the seal page shows about its custodians: now, the history and, for the unit's staff, the form. */
export async function sealCustodianSection(
  service: SealCustodianService,
  principal: Principal,
  seal: SealView,
) {
  const keepers = await service.ofSeal(principal, seal.id);
  const mayAsk =
    seal.organisationId === principal.organisationId &&
    principal.roles.some((r) => (CUSTODIAN_REQUESTING_ROLES as readonly string[]).includes(r)) &&
    seal.status !== 'cancelled' &&
    !keepers.history.some((r) => r.status === 'pending');
  return {
    ...keepers,
    canRequest: mayAsk,
    candidates: mayAsk ? await service.candidates(seal.organisationId) : [],
  };
}

export function sealCustodianPageRoutes(ctx: AppContext, service: SealCustodianService): Router {
  const { router, auth, form } = pageRouter(ctx);

  router.post(
    '/seals/:id/custodian-changes',
    auth,
    form,
    signedIn(async (req, res, principal) => {
      const raw = (req.body ?? {}) as Record<string, string | undefined>;
      const body = parse(SealCustodianChangeBody, {
        custodian: raw.custodian ?? '',
        ...(raw.deputy ? { deputy: raw.deputy } : {}),
        reason: raw.reason ?? '',
      });
      const { request } = await service.submit(principal, String(req.params.id), body, requestMeta(req));
      if (!request.approval.url.startsWith('/approvals/')) throw new ApiError('INTERNAL', '审批流程地址无效');
      res.redirect(303, request.approval.url);
    }),
  );
  return router;
}
