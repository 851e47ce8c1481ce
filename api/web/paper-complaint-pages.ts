/**
 * The complaint form (zh-CN, issue 14 Build 2.5, LM-28): `/complaints/paper/new?licence=<identifier>`, linked from
 * the public verification page and the holder's licence page. Anyone may complain that a unit demanded a paper
 * licence; the form posts to the same path (throttled like the dispute form) and goes through
 * PaperComplaintService like the JSON API. A refused form is shown again with each problem beside its field.
 */
import { Router } from 'express';
import type { Principal } from '../principal';
import type { AppContext } from '../context';
import { FieldProblem, toApiError } from '../errors';
import { requestMeta } from '../principal';
import type { PaperComplaintService } from '../services/paper-complaints';
import { renderPage } from './render';
import { pageRouter } from './page-router';

type Body = Record<string, string | string[] | undefined>;
const text = (raw: Body, key: string) => (typeof raw[key] === 'string' ? (raw[key] as string).trim() : '');

/** The API's field names as the form's. */
const FORM_FIELDS: Record<string, string> = {
  organisationId: 'organisationId',
  serviceItem: 'serviceItem',
  licenceIdentifier: 'licenceIdentifier',
  description: 'description',
  'contact.name': 'contactName',
  'contact.phone': 'contactPhone',
  'contact.email': 'contactEmail',
  contact: 'contactPhone',
};

function bodyOf(raw: Body) {
  const optional = (k: string) => text(raw, k) || undefined;
  return {
    organisationId: text(raw, 'organisationId'),
    serviceItem: optional('serviceItem'),
    licenceIdentifier: optional('licence'),
    description: text(raw, 'description'),
    contact: {
      name: text(raw, 'contactName'),
      phone: optional('contactPhone'),
      email: optional('contactEmail'),
    },
  };
}

export function paperComplaintPageRoutes(ctx: AppContext, service: PaperComplaintService): Router {
  const { router, auth, form } = pageRouter(ctx);

  async function render(principal: Principal | undefined, values: Record<string, string>, errors = {}) {
    const model = await service.formModel();
    const selected = (list: Array<{ value: string; label: string }>, value: string) =>
      list.map((o) => ({ ...o, selected: o.value === value }));
    return renderPage('paper-complaint-new', {
      title: '投诉被要求提供纸质证照',
      principal,
      values,
      errors,
      units: selected(
        model.units.map((u) => ({ value: u.id, label: u.name })),
        values.organisationId ?? '',
      ),
      serviceItems: selected(
        model.serviceItems.map((s) => ({ value: s.code, label: s.name })),
        values.serviceItem ?? '',
      ),
    });
  }

  router.get('/complaints/paper/new', auth, async (req, res) => {
    const licence = typeof req.query.licence === 'string' ? req.query.licence.slice(0, 120) : '';
    const p = req.principal;
    res.send(
      await render(p, {
        licence,
        contactName: p?.displayName ?? '',
        contactEmail: p?.email ?? '',
      }),
    );
  });

  // Throttled per address by `limits.complaints` (api/app.ts), like the JSON endpoint.
  router.post('/complaints/paper/new', auth, form, async (req, res) => {
    const raw = (req.body ?? {}) as Body;
    try {
      const receipt = await service.raise(req.principal ?? null, bodyOf(raw), requestMeta(req));
      res
        .status(201)
        .send(
          renderPage('paper-complaint-receipt', { title: '投诉已受理', principal: req.principal, receipt }),
        );
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.code !== 'VALIDATION_FAILED') throw err;
      const errors: Record<string, string> = {};
      for (const p of (apiError.details as FieldProblem[]) ?? []) {
        const key = FORM_FIELDS[p.field] ?? 'description';
        errors[key] ??= p.message;
      }
      const values = Object.fromEntries(Object.keys(raw).map((k) => [k, text(raw, k)]));
      res.status(400).send(await render(req.principal, values, errors));
    }
  });

  return router;
}
