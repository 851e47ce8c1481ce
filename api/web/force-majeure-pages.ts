/**
 * Force-majeure pages (zh-CN, issue 13 Build 6, LM-11): `/force-majeure` lists the unit's incidents (a management
 * unit's overseers: those of its jurisdiction) with the issuing unit's report form; `/force-majeure/<id>` (the page
 * the incident e-mails link to) shows the timeline, the affected types, the backlog and its deadline, the
 * management unit's 确认报备 button and the unit's 故障排除 form. The forms go through ForceMajeureService like the
 * JSON API.
 */
import { Router } from 'express';
import { deadlineText, timeLeftText } from '../../presentation/deadline-text';
import { isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import { ForceMajeureService, incidentJson, mayReportIncidents } from '../services/force-majeure';
import { formAction, renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

type Incident = ReturnType<typeof incidentJson>;

/** An incident as the pages show it: dates in the one format, the types by name. */
export function incidentRow(i: Incident, typeNames: Map<string, string>) {
  return {
    ...i,
    typesText: i.typeCodes.map((c) => typeNames.get(c) ?? c).join('、'),
    backlogDueText: i.backlogDeadline ? deadlineText(i.backlogDeadline.dueAt) : '',
    timeLeftText: timeLeftText(i.timeLeftMs),
    open: i.status === 'open',
  };
}

/** The licence types by code (their latest name). */
/** A form's lists (typeCodes, backlogCaseIds: one per line) and text fields as the service's bodies. */
function reportBody(raw: Record<string, string | string[] | undefined>) {
  const text = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string).trim() : '');
  const since = text('since');
  return {
    failure: text('failure'),
    // <input type="datetime-local"> gives a Shanghai wall-clock time without an offset.
    since: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(since) ? `${since}:00+08:00` : since,
    typeCodes: ([] as string[]).concat(raw.typeCodes ?? []),
    measures: text('measures'),
  };
}

export function forceMajeurePageRoutes(ctx: AppContext): Router {
  const { router, auth, form } = pageRouter(ctx, { limit: '64kb' });
  const service = new ForceMajeureService(ctx);
  router.use('/force-majeure', auth);

  router.get(
    '/force-majeure',
    signedIn(async (_req, res, principal) => {
      const [{ items }, names] = await Promise.all([service.list(principal), service.typeNames()]);
      res.send(
        renderPage('force-majeure-list', {
          title: '不可抗力报备',
          principal,
          nav: 'force_majeure',
          items: items.map((i) => incidentRow(i, names)),
          canReport: mayReportIncidents(principal),
          types: [...names].map(([code, name]) => ({ code, name })),
        }),
      );
    }),
  );

  router.post(
    '/force-majeure',
    form,
    formAction(async (req, principal, body) => {
      const incident = await service.report(principal, reportBody(body), requestMeta(req));
      return `/force-majeure/${encodeURIComponent(incident.id)}`;
    }),
  );

  router.get(
    '/force-majeure/:id',
    signedIn(async (req, res, principal) => {
      const [incident, names] = await Promise.all([
        service.view(principal, String(req.params.id)),
        service.typeNames(),
      ]);
      const own = incident.organisationId === principal.organisationId;
      res.send(
        renderPage('force-majeure', {
          title: `不可抗力报备：${incident.unitName}`,
          principal,
          nav: 'force_majeure',
          incident: incidentRow(incident, names),
          canAcknowledge: !own && isManagementOverseer(principal) && !incident.acknowledgedAt,
          canClear: own && mayReportIncidents(principal) && incident.status === 'open',
        }),
      );
    }),
  );

  for (const decision of ['clear', 'acknowledge'] as const) {
    router.post(
      `/force-majeure/:id/${decision}`,
      form,
      formAction(async (req, principal, body) => {
        const id = String(req.params.id);
        await service.decide(
          principal,
          id,
          decision,
          decisionBody(decision, body as Record<string, string | undefined>),
        );
        return `/force-majeure/${encodeURIComponent(id)}`;
      }),
    );
  }

  return router;
}

/** The clearance form's backlog (case ids, one per line or separated by commas) and note; the comment. */
function decisionBody(decision: 'clear' | 'acknowledge', raw: Record<string, string | undefined>) {
  return decision === 'clear'
    ? {
        backlogCaseIds: (raw.backlogCaseIds ?? '')
          .split(/[\s,，、]+/)
          .map((x) => x.trim())
          .filter(Boolean),
        ...(raw.note?.trim() ? { note: raw.note.trim() } : {}),
      }
    : raw.comment?.trim()
      ? { comment: raw.comment.trim() }
      : {};
}
