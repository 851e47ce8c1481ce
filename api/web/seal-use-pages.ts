/**
 * Seal-use pages (zh-CN, SM-12): the "申请用印" form on the seal page (documents one per line, `标题` or
 * `标题 sha256`), the seal's use requests and authorisations, and a request's detail page linking to its approval
 * process. The rules live in SealUseService and domain/seal-use.ts, shared with the JSON API.
 */
import { Router } from 'express';
import { shanghaiDateTime } from '../../domain/format';
import { licenceSealDocumentTitle } from '../../domain/licence';
import { TYPE_CODE_PATTERN } from '../../domain/licence-identifier';
import { parseDocumentLines, SEAL_USE_MAX_USES, SEAL_USE_REQUEST_STATUS_LABELS } from '../../domain/seal-use';
import { sealUseRequestBodyAt } from '../../domain/seal-use-schema';
import type { AppContext } from '../context';
import { FieldProblem, toApiError } from '../errors';
import type { Principal } from '../principal';
import { LicenceTypeService } from '../services/licence-types';
import { SealUseService } from '../services/seal-use';
import type { SealView } from '../services/seals';
import { problemsOf } from '../validation';
import { renderPage, signedIn } from './render';
import { pageRouter } from './page-router';
import { requestMeta } from '../principal';

const FIELD_LABELS: Record<string, string> = {
  sealId: '印章',
  documents: '用印文件',
  maxUses: '用印次数',
  validFrom: '授权开始时间',
  validTo: '授权结束时间',
  reason: '用印事由',
};

const FLASH: Record<string, { kind: string; text: string }> = {
  submitted: { kind: 'ok', text: '用印申请已提交，等待审批。' },
};

const REQUESTER_ROLES = ['seal_applicant', 'unit_leader'];

function labelOf(field: string): string {
  const m = /^documents\.(\d+)\.(title|sha256)$/.exec(field);
  if (m) return `用印文件第 ${Number(m[1]) + 1} 行的${m[2] === 'title' ? '标题' : '摘要'}`;
  return FIELD_LABELS[field] ?? field;
}

/** `datetime-local` values are Beijing time (the users' clock); the API takes ISO times with an offset. */
function fromLocalInput(value: string | undefined): string {
  const v = (value ?? '').trim();
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+08:00` : v;
}

function toLocalInput(d: Date): string {
  return shanghaiDateTime(d).replace(' ', 'T');
}

export interface SealUseFormValues {
  documents: string;
  maxUses: string;
  validFrom: string;
  validTo: string;
  reason: string;
}

function defaultValues(now = new Date()): SealUseFormValues {
  return {
    documents: '',
    maxUses: '1',
    validFrom: toLocalInput(now),
    validTo: toLocalInput(new Date(now.getTime() + 7 * 24 * 3600 * 1000)),
    reason: '',
  };
}

/** What the seal page shows about seal use: the form (for requesters of the seal's unit), requests, authorisations. */
export async function sealUseSection(service: SealUseService, principal: Principal, seal: SealView) {
  const [requests, authorisations, signatures] = await Promise.all([
    service.requestsForSeal(principal, seal.id),
    service.authorisationsForSeal(principal, seal.id),
    service.signatures(principal, seal.id),
  ]);
  return {
    canRequest:
      seal.status === 'active' &&
      seal.organisationId === principal.organisationId &&
      principal.roles.some((r) => REQUESTER_ROLES.includes(r)),
    form: { sealId: seal.id, values: defaultValues(), errors: [] },
    requests: requests.map((r) => ({
      id: r.id,
      documents: r.documents.map((d) => d.title).join('、'),
      maxUses: r.maxUses,
      validFrom: r.validFrom.toISOString(),
      validTo: r.validTo.toISOString(),
      status: r.status,
      statusLabel: SEAL_USE_REQUEST_STATUS_LABELS[r.status],
      createdAt: r.createdAt.toISOString(),
    })),
    authorisations: authorisations.map((a) => ({
      ...a,
      documentTitles: a.documents.map((d) => d.title).join('、'),
      approvers: a.approvedBy.map((x) => x.displayName).join('、'),
      mine: a.granteeId === principal.userId,
    })),
    signatures: signatures.map((s) => ({
      id: s.id,
      documentTitle: s.documentTitle,
      documentHash: s.documentHash,
      signingTime: s.signingTime,
      authorisationId: s.authorisationId,
    })),
  };
}

export function sealUsePageRoutes(ctx: AppContext, service: SealUseService): Router {
  const { router, auth, form } = pageRouter(ctx, { limit: '256kb' });
  const licenceTypes = new LicenceTypeService(ctx);

  const renderForm = (
    principal: Principal,
    sealId: string,
    values: SealUseFormValues,
    errors: FieldProblem[],
  ) =>
    renderPage('seal-use-new', {
      title: '申请用印',
      principal,
      nav: 'seals',
      form: {
        sealId,
        values,
        errors: errors.map((e) => ({ label: labelOf(e.field), message: e.message })),
      },
    });

  router.get(
    '/seals/:id/use-requests/new',
    auth,
    signedIn(async (req, res, principal) => {
      res.send(renderForm(principal, String(req.params.id), await prefilled(req.query.licenceType), []));
    }),
  );

  /**
   * `?licenceType=<code>` (the licence page's 申请用印授权 link): a standing authorisation for issuing that type —
   * the document title issuance looks for (licenceSealDocumentTitle), many uses, a year. The requester may still
   * change anything before submitting.
   */
  const prefilled = async (licenceType: unknown): Promise<SealUseFormValues> => {
    const values = defaultValues();
    if (typeof licenceType !== 'string' || !TYPE_CODE_PATTERN.test(licenceType)) return values;
    const type = await licenceTypes.publishedType(licenceType);
    if (!type) return values;
    const now = new Date();
    return {
      ...values,
      documents: licenceSealDocumentTitle(type.definition),
      maxUses: String(SEAL_USE_MAX_USES),
      validTo: toLocalInput(new Date(now.getTime() + 365 * 24 * 3600 * 1000)),
      // SM-12
      reason: `签发${type.name}电子证照：业务系统在办件办结时通过接口签发，每份证照用印一次`,
    };
  };

  router.post(
    '/seals/:id/use-requests',
    auth,
    form,
    signedIn(async (req, res, principal) => {
      const sealId = String(req.params.id);
      const raw = (req.body ?? {}) as Record<string, string | undefined>;
      const values: SealUseFormValues = {
        documents: raw.documents ?? '',
        maxUses: raw.maxUses ?? '',
        validFrom: raw.validFrom ?? '',
        validTo: raw.validTo ?? '',
        reason: raw.reason ?? '',
      };
      const candidate = {
        sealId,
        documents: parseDocumentLines(values.documents),
        maxUses: values.maxUses.trim() === '' ? undefined : Number(values.maxUses),
        validFrom: fromLocalInput(values.validFrom),
        validTo: fromLocalInput(values.validTo),
        reason: values.reason,
      };
      const parsed = sealUseRequestBodyAt(new Date()).safeParse(candidate);
      if (!parsed.success) {
        res.status(400).send(renderForm(principal, sealId, values, problemsOf(parsed.error)));
        return;
      }
      try {
        const { request } = await service.submit(principal, parsed.data, requestMeta(req));
        res.redirect(303, `/seal-use-requests/${request.id}?flash=submitted`);
      } catch (err) {
        const apiError = toApiError(err);
        if (apiError.code !== 'VALIDATION_FAILED') throw err;
        res
          .status(400)
          .send(renderForm(principal, sealId, values, (apiError.details as FieldProblem[]) ?? []));
      }
    }),
  );

  router.get(
    '/seal-use-requests/:id',
    auth,
    signedIn(async (req, res, principal) => {
      const request = await service.view(principal, String(req.params.id));
      res.send(
        renderPage('seal-use-request', {
          title: `用印申请：${request.sealName}`,
          principal,
          nav: 'seals',
          request: {
            ...request,
            statusLabel: SEAL_USE_REQUEST_STATUS_LABELS[request.status],
            authorisation: request.authorisation && {
              ...request.authorisation,
              approvers: request.authorisation.approvedBy.map((a) => a.displayName).join('、'),
            },
          },
          flash: FLASH[String(req.query.flash)],
        }),
      );
    }),
  );

  return router;
}
