/**
 * The unit leader's page for a leaving person's standing licence-signing authorisation (zh-CN, issue 15 Build 3,
 * SM-12): what is handed over (the seal, the authorisation, its documents and remaining uses, who left and when,
 * the deadline) and two dialogs, 保留授权 (for a person chosen from the unit's eligible staff) and 撤销授权 (with a
 * reason). The 待办 task links here. The rules are SealUseHandoverService's, shared with the JSON API; a refused
 * decision re-renders the page with the reason and changes nothing.
 */
import { Request, Response, Router } from 'express';
import { SealUseHandoverDecisionBody } from '../../domain/seal-use-schema';
import { deadlineText, timeLeftText } from '../../presentation/deadline-text';
import {
  SEAL_USE_HANDOVER_REASON_TEXT,
  SEAL_USE_HANDOVER_STATUS_LABELS,
} from '../../presentation/seal-use-handover-text';
import type { AppContext } from '../context';
import { ApiError, badRequest, type FieldProblem, toApiError } from '../errors';
import type { Principal } from '../principal';
import { requestMeta } from '../principal';
import type { ApprovalService } from '../services/approvals';
import type { SealUseHandoverService } from '../services/seal-use-handovers';
import { parse } from '../validation';
import { pageWithPendingCount } from './pending-count';
import { signedIn } from './render';
import { pageRouter } from './page-router';

type Decision = 'keep' | 'revoke';

const DONE_FLASH: Record<string, string> = {
  kept: '已保留授权，授权人已变更。',
  revoked: '已撤销授权。',
};

const FIELD_LABELS: Record<string, string> = { grantee: '授权人', comment: '理由', decision: '决定' };

/** What the form left open after a refusal: the dialog, its values and the objections by field. */
interface OpenForm {
  decision: Decision;
  values: Record<string, string>;
  errors: Record<string, string>;
  error: { title: string; lines: string[] };
}

export function sealUseHandoverPageRoutes(
  ctx: AppContext,
  service: SealUseHandoverService,
  approvals: ApprovalService,
): Router {
  const { router, auth, form } = pageRouter(ctx);
  const page = pageWithPendingCount(approvals);

  const render = async (principal: Principal, id: string, req: Request, open?: OpenForm) => {
    const d = await service.detail(principal, id, new Date());
    const pageUrl = `/seal-use-handovers/${encodeURIComponent(id)}`;
    const flash = DONE_FLASH[String(req.query.done ?? '')];
    return page('seal-use-handover', {
      title: '离岗人员用印授权处理',
      principal,
      nav: 'tasks',
      pageUrl,
      formAction: `${pageUrl}/decision`,
      h: {
        ...d,
        statusLabel: SEAL_USE_HANDOVER_STATUS_LABELS[d.status] ?? d.status,
        reasonText: SEAL_USE_HANDOVER_REASON_TEXT[d.reason] ?? '已离岗',
        pending: d.status === 'pending',
        dueText: deadlineText(d.dueAt),
        timeLeft: timeLeftText(d.timeLeftMs),
        live: d.authorisation.status === 'active',
        candidates: d.candidates.map((c) => ({
          ...c,
          selected: open?.values.grantee === c.username,
        })),
      },
      keepOpen: open?.decision === 'keep' || req.query.action === 'keep',
      revokeOpen: open?.decision === 'revoke' || req.query.action === 'revoke',
      values: open?.values ?? {},
      errors: open?.errors ?? {},
      error: open?.error,
      flash: flash && !open ? { kind: 'ok', text: flash } : undefined,
    });
  };

  router.get(
    '/seal-use-handovers/:id',
    auth,
    signedIn(async (req, res, principal) => {
      res.send(await render(principal, String(req.params.id), req));
    }),
  );

  router.post(
    '/seal-use-handovers/:id/decision',
    auth,
    form,
    signedIn(async (req, res, principal) => {
      const id = String(req.params.id);
      const raw = (req.body ?? {}) as Record<string, string | undefined>;
      const decision: Decision = raw.decision === 'revoke' ? 'revoke' : 'keep';
      const values = { grantee: raw.grantee ?? '', comment: raw.comment ?? '' };
      try {
        if (decision === 'keep' && !values.grantee.trim()) {
          throw badRequest([{ field: 'grantee', rule: 'required', message: '请选择授权人' }]);
        }
        const body = parse(SealUseHandoverDecisionBody, {
          decision: raw.decision ?? '',
          ...(decision === 'keep' ? { grantee: values.grantee } : {}),
          ...(values.comment.trim() ? { comment: values.comment } : {}),
        });
        const view = await service.decide(principal, id, body, requestMeta(req));
        res.redirect(303, `/seal-use-handovers/${encodeURIComponent(id)}?done=${view.status}`);
      } catch (err) {
        await refused(err, res, () =>
          render(principal, id, req, { decision, values, ...describe(toApiError(err)) }),
        );
      }
    }),
  );
  return router;
}

/** A 400 or 409 re-renders the page with the reason; anything else (403, 404) goes to the error page. */
async function refused(err: unknown, res: Response, html: () => Promise<string>): Promise<void> {
  const e = toApiError(err);
  if (![400, 409].includes(e.status)) throw err;
  res.status(e.status).send(await html());
}

function describe(e: ApiError): Pick<OpenForm, 'errors' | 'error'> {
  if (e.code !== 'VALIDATION_FAILED') {
    return { errors: {}, error: { title: '未能办理，事项状态已变化：', lines: [e.message] } };
  }
  const problems = (e.details as FieldProblem[] | undefined) ?? [];
  const errors: Record<string, string> = {};
  for (const p of problems) errors[p.field] ??= p.message;
  return {
    errors,
    error: {
      title: '未能办理，请修改以下内容后重新提交：',
      lines: problems.map((p) => `${FIELD_LABELS[p.field] ?? '内容'}：${p.message}`),
    },
  };
}
