/**
 * 用证清单 (issue 16 Build 5, LM-12, LM-14, LM-15): a using unit's staff see the unit's usage list and its requests
 * and file a request (licence types, purpose, service items, masked or full) that the management unit decides in
 * 待办 (process kind licence_usage). One request per licence type ticked.
 */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { LicenceUsageRequestBody } from '../../domain/licence-usage';
import { isUsageListStaff } from '../access';
import type { AppContext } from '../context';
import { ApiError, forbidden } from '../errors';
import { Principal, requestMeta } from '../principal';
import type { LicenceUsageRequestService } from '../services/licence-usage-requests';
import type { ServiceItemService } from '../services/service-items';
import { parse } from '../validation';
import { formAction, renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

const asList = (v: unknown): string[] =>
  ([] as unknown[]).concat(v ?? []).filter((x): x is string => typeof x === 'string' && x !== '');

export function usageListPageRoutes(
  ctx: AppContext,
  requests: LicenceUsageRequestService,
  serviceItems: ServiceItemService,
): Router {
  const { router, auth, form } = pageRouter(ctx);

  async function page(principal: Principal, extra: Record<string, unknown> = {}): Promise<string> {
    if (!isUsageListStaff(principal)) throw forbidden('用证清单仅供用证单位的工作人员查看');
    const [list, mine, items, types] = await Promise.all([
      requests.usageList(principal),
      requests.requests(principal),
      serviceItems.list(),
      serviceItems.publishedTypes(),
    ]);
    return renderPage('usage-list', {
      title: '用证清单',
      principal,
      nav: 'usage_list',
      list,
      requests: mine,
      serviceItems: items,
      types,
      formToken: randomUUID(),
      ...extra,
    });
  }

  router.get(
    '/usage-list',
    auth,
    signedIn(async (req, res, principal) => {
      const filed = Number(req.query.filed);
      const flash =
        filed > 0 ? { kind: 'ok', text: `已提交 ${filed} 项用证清单申请，等待管理单位审批。` } : undefined;
      res.send(await page(principal, { flash }));
    }),
  );

  router.post(
    '/usage-list/requests',
    auth,
    form,
    formAction(
      async (req, principal, raw) => {
        const types = asList(raw.types);
        if (types.length === 0) throw new ApiError('VALIDATION_FAILED', '请至少选择一种证照类型');
        const fields = {
          purpose: raw.purpose,
          fullData: raw.fullData === 'true' ? true : raw.fullData === 'false' ? false : undefined,
          serviceItems: asList(raw.serviceItems),
        };
        const bodies = types.map((typeCode) => parse(LicenceUsageRequestBody, { ...fields, typeCode }));
        // Every type is checked before the first is filed, so that a refusal leaves nothing half-filed.
        await serviceItems.assertKnown(fields.serviceItems);
        const pending = (await requests.requests(principal)).filter((r) => r.status === 'pending');
        const busy = pending.find((r) => types.includes(r.typeCode));
        if (busy) throw new ApiError('CONFLICT', `本单位对“${busy.typeName}”已有审批中的申请，请等待其办结`);
        const token = typeof raw.formToken === 'string' ? raw.formToken.slice(0, 40) : randomUUID();
        for (const body of bodies) {
          await requests.submit(principal, body, {
            ...requestMeta(req),
            idempotencyKey: `${token}:${body.typeCode}`,
          });
        }
        return `/usage-list?filed=${bodies.length}#requests`;
      },
      async (err, _req, res, principal) => {
        if (!(err instanceof ApiError) || err.status >= 500 || err.status === 403) return false;
        const problems = Array.isArray(err.details)
          ? (err.details as Array<{ message: string }>).map((d) => d.message)
          : [err.message];
        res
          .status(err.status)
          .send(await page(principal, { problems, flash: { kind: 'error', text: '申请未提交' } }));
        return true;
      },
    ),
  );

  return router;
}
