/**
 * Licence pages for the issuing unit and its overseers (zh-CN, 证照管理, LM-7, LM-9, LM-16): the list with search
 * by holder code and type (`/licences`), one licence with its face, data items, versions, signature and links to
 * online verification and the PDF copy (`/licences/:identifier`), and the management unit's list of licences that
 * reached the platform after their 1-working-day deadline (`/licences/late`, LM-9). Every page calls
 * LicenceService, so access (full or masked), refusals and their audit are the JSON API's own; the public
 * verification pages are elsewhere (/verify/…).
 */
import { randomUUID } from 'node:crypto';
import { Request, Response, Router } from 'express';
import type { z } from 'zod';
import { deadlineText } from '../../presentation/deadline-text';
import { shanghaiDateTime } from '../../domain/format';
import {
  LICENCE_STATUS_LABELS,
  licenceCopyPath,
  licenceVerifyPath,
  validityRuleLabel,
} from '../../domain/licence';
import { CHANGE_KIND_LABELS } from '../../domain/licence-issuance';
import { DATA_ITEM_TYPE_LABELS, HOLDER_CODE_TYPE_LABELS } from '../../domain/licence-type';
import type { AppContext } from '../context';
import type { ApprovalService } from '../services/approvals';
import { LicenceCopyService, licenceFaceHtml } from '../services/licence-copies';
import { LicenceReadinessService } from '../services/licence-readiness';
import type { LicenceTypeService } from '../services/licence-types';
import { LateArrivalsQuery, LicenceSearchQuery, LicenceService } from '../services/licences';
import { problemsOf } from '../validation';
import { pageWithPendingCount } from './pending-count';
import { signedIn } from './render';
import { sendXlsx, XlsxColumn } from './xlsx';
import { pageRouter } from './page-router';
import { isManagementOverseer } from '../access';
import { Principal, requestMeta } from '../principal';
import { FieldProblem, toApiError } from '../errors';
import type { LicenceEventService } from '../services/licence-events';
import {
  EVENT_EXTRA_FIELDS,
  EVENT_FIELD_LABELS,
  LICENCE_EVENT_KINDS,
  LICENCE_EVENT_RULES,
} from '../../domain/licence-lifecycle';

const ISSUANCE_STATUS_LABELS: Record<string, string> = {
  pending: '签发中',
  awaiting_seal: '等待用印授权',
  issued: '已签发',
  failed: '签发失败',
};

/** Issue 12 Build 7: an event's state in the timeline. */
const EVENT_STATUS_LABELS: Record<string, string> = {
  pending: '办理中',
  awaiting_approval: '待单位负责人审批',
  awaiting_seal: '等待用印授权',
  recorded: '已生效',
  rejected: '审批未通过',
  failed: '未能办理',
};

const FORM_LABELS: Record<string, string> = {
  caseId: '业务办件号',
  kind: '事项',
  legalBasis: '法律依据',
  reason: '事由',
  ...EVENT_FIELD_LABELS,
};

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/**
 * A list page's filter form: the query's fields as typed (to show again), the parsed filter when valid (empty
 * fields left out), and each problem in Chinese under the field's label.
 */
function filters<K extends string, S extends z.ZodType>(
  query: Request['query'],
  schema: S,
  labels: Record<K, string>,
): { values: Record<K, string>; parsed: z.ZodSafeParseResult<z.infer<S>>; errors: string[] } {
  const values = Object.fromEntries((Object.keys(labels) as K[]).map((k) => [k, str(query[k])])) as Record<
    K,
    string
  >;
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')));
  const errors = parsed.success
    ? []
    : problemsOf(parsed.error).map((p) => `${labels[p.field as K] ?? p.field}：${p.message}`);
  return { values, parsed, errors };
}

function formatValue(value: unknown, type: string | undefined): string {
  if (value === undefined || value === null || value === '') return '';
  if (type === 'boolean' || typeof value === 'boolean')
    return value === true ? '是' : value === false ? '否' : '';
  return String(value);
}

export function licencePageRoutes(
  ctx: AppContext,
  licences: LicenceService,
  licenceTypes: LicenceTypeService,
  approvals: ApprovalService,
  events: LicenceEventService,
): Router {
  const { router, auth, form } = pageRouter(ctx);
  const copies = new LicenceCopyService(ctx);
  const readinessService = new LicenceReadinessService(ctx);
  const page = pageWithPendingCount(approvals);

  router.get(
    '/licences',
    auth,
    signedIn(async (req, res, principal) => {
      const { values, parsed, errors } = filters(req.query, LicenceSearchQuery, {
        holderCode: '持证主体代码',
        typeCode: '证照类型',
        page: '页码',
      });
      const isIssuer = principal.roles.some((r) => r === 'licence_issuer' || r === 'licence_system');
      const types = await licenceTypes.listPublished(principal, { issuableByMe: isIssuer });
      const result = parsed.success ? await licences.search(principal, parsed.data) : null;
      const readiness = await readinessService.forIssuer(principal, new Date());
      const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 1;
      const link = (n: number) => {
        const q = new URLSearchParams();
        if (values.holderCode) q.set('holderCode', values.holderCode);
        if (values.typeCode) q.set('typeCode', values.typeCode);
        q.set('page', String(n));
        return `/licences?${q.toString()}`;
      };
      res.send(
        await page('licences', {
          title: '证照管理',
          principal,
          nav: 'licences',
          values,
          exportUrl: `/licences/export.xlsx?${new URLSearchParams(
            Object.entries({ holderCode: values.holderCode, typeCode: values.typeCode }).filter(
              (e): e is [string, string] => !!e[1],
            ),
          )}`,
          errors,
          showLate: isManagementOverseer(principal),
          readiness: readiness && {
            canRequest: principal.roles.some((r) => r === 'seal_applicant' || r === 'unit_leader'),
            types: readiness.types.map((r) => ({
              ...r,
              validToText: r.authorisation ? shanghaiDateTime(r.authorisation.validTo) : '',
              requestHref: r.seal
                ? `/seals/${r.seal.id}/use-requests/new?licenceType=${encodeURIComponent(r.typeCode)}`
                : null,
            })),
            waiting: readiness.waiting.map((w) => ({
              ...w,
              statusLabel: ISSUANCE_STATUS_LABELS[w.status],
              receivedText: shanghaiDateTime(w.receivedAt),
            })),
          },
          types: types.map((t) => ({ code: t.code, name: t.name, selected: t.code === values.typeCode })),
          result: result && {
            total: result.total,
            page: result.page,
            pages,
            prev: result.page > 1 ? link(result.page - 1) : null,
            next: result.page < pages ? link(result.page + 1) : null,
            items: result.items.map((l) => ({
              ...l,
              versionText: String(l.version).padStart(3, '0'),
              validToText: l.validTo ?? '长期',
              issuedText: shanghaiDateTime(l.issuedAt),
              valid: l.currentStatus === 'valid',
            })),
          },
        }),
      );
    }),
  );

  // Before '/licences/:identifier', which would otherwise take "export.xlsx" for an identifier.
  /** The licence ledger as Excel: every licence the search finds (the page's filters), up to 100 pages. */
  router.get(
    '/licences/export.xlsx',
    auth,
    signedIn(async (req, res, principal) => {
      const { parsed } = filters(req.query, LicenceSearchQuery, {});
      const query = parsed.success ? parsed.data : { page: 1 };
      const rows: Awaited<ReturnType<LicenceService['search']>>['items'] = [];
      for (let n = 1; n <= 100; n++) {
        const result = await licences.search(principal, { ...query, page: n });
        rows.push(...result.items);
        if (n * result.pageSize >= result.total) break;
      }
      await sendXlsx(res, '证照台账', '证照台账', LEDGER_COLUMNS, rows);
    }),
  );

  /** 证照逾期归集 as Excel: the page's rows, each with its unit. */
  router.get(
    '/licences/late/export.xlsx',
    auth,
    signedIn(async (req, res, principal) => {
      const { parsed } = filters(req.query, LateArrivalsQuery, {});
      const result = await licences.lateArrivals(
        principal,
        parsed.success ? parsed.data : {},
        requestMeta(req),
      );
      const rows = result.units.flatMap((u) =>
        u.items.map((i) => ({ ...i, organisationName: u.organisationName })),
      );
      await sendXlsx(res, '证照逾期归集', '逾期归集', LATE_COLUMNS, rows);
    }),
  );

  // Before '/licences/:identifier', which would otherwise take "late" for an identifier.
  router.get(
    '/licences/late',
    auth,
    signedIn(async (req, res, principal) => {
      const { values, parsed, errors } = filters(req.query, LateArrivalsQuery, {
        organisationId: '单位',
        from: '起始日期',
        to: '截止日期',
      });
      const result = parsed.success
        ? await licences.lateArrivals(principal, parsed.data, requestMeta(req))
        : null;
      const units = (await licenceTypes.issuingUnitChoices(principal)).map((u) => ({
        ...u,
        selected: u.id === values.organisationId,
      }));
      res.send(
        await page('licences-late', {
          title: '证照逾期归集',
          principal,
          nav: 'licences_late',
          values,
          exportUrl: `/licences/late/export.xlsx?${new URLSearchParams(
            Object.entries({
              organisationId: values.organisationId,
              from: values.from,
              to: values.to,
            }).filter((e): e is [string, string] => !!e[1]),
          )}`,
          errors,
          units,
          result: result && {
            total: result.total,
            units: result.units.map((u) => ({
              ...u,
              items: u.items.map((i) => ({
                ...i,
                kindLabel: i.kind === 'change' ? '变更' : '首次签发',
                statusLabel: ISSUANCE_STATUS_LABELS[i.status] ?? i.status,
                caseClosedText: shanghaiDateTime(i.caseClosedAt),
                deadlineText: deadlineText(i.deadlineAt),
                receivedText: shanghaiDateTime(i.receivedAt),
              })),
            })),
          },
        }),
      );
    }),
  );

  /** The licence page; `eventForm` carries what a refused event form said and why (issue 12 Build 7). */
  const renderLicence = async (
    req: Request,
    res: Response,
    principal: Principal,
    eventForm: { values: Record<string, string>; errors: string[] } | null = null,
  ) => {
    const identifier = String(req.params.identifier);
    // Access first (refusals are 403 and audited by the service); the face follows the same full/masked rule.
    const view = await licences.get(principal, identifier, requestMeta(req));
    const [versions, source] = await Promise.all([
      licences.versions(principal, identifier, requestMeta(req)),
      copies.face(view.identifier),
    ]);
    const definition = source!.definition;
    const face = licenceFaceHtml(source!, { masked: view.masked, publicUrl: ctx.config.publicUrl });
    // Whoever may see the licence gets its access code: the masked face and the copies (issue 11).
    const accessCode = copies.accessCode(view.identifier);
    const verifyPath = licenceVerifyPath(view.identifier, accessCode);
    const stored = await licences.licenceByIdentifier(view.identifier);
    const [timeline, reminders] = await Promise.all([
      events.history(principal, view.identifier, requestMeta(req)),
      events.reminders(stored),
    ]);
    res.status(eventForm ? 400 : 200).send(
      await page('licence', {
        title: `${view.name} ${view.licenceNumber}`,
        principal,
        nav: 'licences',
        licence: {
          ...view,
          versionText: String(view.version).padStart(3, '0'),
          holderCodeTypeLabel: HOLDER_CODE_TYPE_LABELS[view.holder.codeType],
          validToText: view.validTo ?? '长期',
          valid: view.currentStatus === 'valid',
          issuedText: shanghaiDateTime(view.issuedAt),
          signingText: shanghaiDateTime(view.signature.signingTime),
          validityRule: validityRuleLabel(definition.validity),
        },
        face,
        dataItems: definition.dataItems.map((item) => ({
          key: item.key,
          label: item.label,
          typeLabel: DATA_ITEM_TYPE_LABELS[item.type],
          sensitive: item.sensitive,
          value: formatValue(view.data[item.key], item.type),
        })),
        versions: versions.map((v) => ({
          ...v,
          versionText: String(v.version).padStart(3, '0'),
          current: v.identifier === view.identifier,
          statusLabel: LICENCE_STATUS_LABELS[v.status] ?? v.status,
          changeLabel: v.changeKind ? CHANGE_KIND_LABELS[v.changeKind] : '首次签发',
          issuedText: shanghaiDateTime(v.issuedAt),
          href: `/licences/${encodeURIComponent(v.identifier)}`,
        })),
        verifyPath,
        accessCode,
        copyPath: licenceCopyPath(view.identifier, accessCode, 'html'),
        copyPdfPath: licenceCopyPath(view.identifier, accessCode, 'pdf'),
        previousHref: view.previousIdentifier
          ? `/licences/${encodeURIComponent(view.previousIdentifier)}`
          : null,
        timeline: timeline.map((e) => ({
          ...e,
          eventLabel: e.kindLabel,
          requestedText: shanghaiDateTime(e.requestedAt),
          effectiveText: e.effectiveAt ? shanghaiDateTime(e.effectiveAt) : '',
          statusText: EVENT_STATUS_LABELS[e.status],
          fieldList: Object.entries(e.fields).map(([k, v]) => ({
            label: EVENT_FIELD_LABELS[k as keyof typeof EVENT_FIELD_LABELS],
            value: v,
          })),
          signingText: e.signature ? shanghaiDateTime(e.signature.signingTime) : '',
        })),
        reminders: reminders.map((r) => ({
          ...r,
          sentText: r.sentAt ? shanghaiDateTime(r.sentAt) : '发送中',
        })),
        eventForm:
          events.mayRecord(principal, stored) && stored.status !== 'superseded'
            ? {
                kinds: LICENCE_EVENT_KINDS.filter((k) => !LICENCE_EVENT_RULES[k].platformOnly).map((k) => ({
                  value: k,
                  label:
                    LICENCE_EVENT_RULES[k].label +
                    (LICENCE_EVENT_RULES[k].approval ? '（须单位负责人审批）' : ''),
                  selected: eventForm?.values.kind === k,
                })),
                caseId: eventForm?.values.caseId || `WEB-${randomUUID()}`,
                values: eventForm?.values ?? {},
                errors: eventForm?.errors ?? [],
              }
            : null,
        flash: req.query.flash === 'event' ? '证照事项已提交' : null,
      }),
    );
  };

  router.get(
    '/licences/:identifier',
    auth,
    signedIn((req, res, principal) => renderLicence(req, res, principal)),
  );

  // Issue 12 Build 7: issuing-unit staff record an event from the page (the JSON API's rules and audit).
  router.post(
    '/licences/:identifier/events',
    auth,
    form,
    signedIn(async (req, res, principal) => {
      const raw = (req.body ?? {}) as Record<string, string | undefined>;
      const values = Object.fromEntries(
        ['caseId', 'kind', 'legalBasis', 'reason', ...EVENT_EXTRA_FIELDS].map((k) => [
          k,
          (raw[k] ?? '').trim(),
        ]),
      );
      const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
      try {
        await events.record(principal, String(req.params.identifier), body, requestMeta(req));
        res.redirect(303, `/licences/${encodeURIComponent(String(req.params.identifier))}?flash=event`);
      } catch (err) {
        const apiError = toApiError(err);
        if (apiError.code !== 'VALIDATION_FAILED' && apiError.code !== 'CONFLICT') throw err;
        const problems = (Array.isArray(apiError.details) ? (apiError.details as FieldProblem[]) : []).map(
          (p) => `${FORM_LABELS[p.field] ?? p.field}：${p.message}`,
        );
        await renderLicence(req, res, principal, {
          values,
          errors: problems.length > 0 ? problems : [apiError.message],
        });
      }
    }),
  );

  return router;
}

type LedgerRow = Awaited<ReturnType<LicenceService['search']>>['items'][number];
const LEDGER_COLUMNS: XlsxColumn<LedgerRow>[] = [
  { header: '证照名称', width: 24, value: (l) => l.name },
  { header: '证照编号', width: 24, value: (l) => l.licenceNumber },
  { header: '持证主体', width: 28, value: (l) => l.holder.name },
  { header: '持证主体代码', width: 22, value: (l) => l.holder.code },
  { header: '颁发日期', value: (l) => l.issueDate },
  { header: '有效期至', value: (l) => l.validTo ?? '长期' },
  { header: '状态', value: (l) => l.statusLabel },
  { header: '版本', value: (l) => String(l.version).padStart(3, '0') },
  { header: '签发时间', value: (l) => shanghaiDateTime(l.issuedAt) },
];

type LateRow = Awaited<ReturnType<LicenceService['lateArrivals']>>['units'][number]['items'][number] & {
  organisationName: string;
};
const LATE_COLUMNS: XlsxColumn<LateRow>[] = [
  { header: '制发单位', width: 28, value: (i) => i.organisationName },
  { header: '办件编号', width: 24, value: (i) => i.caseId },
  { header: '证照类型', width: 20, value: (i) => i.typeName },
  { header: '类别', value: (i) => (i.kind === 'change' ? '变更' : '首次签发') },
  { header: '办结时间', value: (i) => shanghaiDateTime(i.caseClosedAt) },
  { header: '归集时限', value: (i) => deadlineText(i.deadlineAt) },
  { header: '到达平台', value: (i) => shanghaiDateTime(i.receivedAt) },
  { header: '签发状态', value: (i) => ISSUANCE_STATUS_LABELS[i.status] ?? i.status },
];
