/**
 * The trust list page (zh-CN, issue 20 Build 3): `/trust-anchors` lists the anchors in force — the provincial CA,
 * other regions' seal platforms and CAs — with the period each is trusted for; the city's top management unit's
 * administrators import an anchor (a PEM certificate) and remove one here. The forms go through TrustListService
 * like the JSON API, so each change is audited the same way.
 */
import { Router } from 'express';
import { TRUST_ANCHOR_KIND_LABELS, TRUST_ANCHOR_KINDS } from '../../domain/trust-list';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { TrustListService } from '../services/trust-list';
import { formAction, renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

/** A form's `<input type="date">` as a Shanghai instant: the day's start, or its end for `validTo`. */
function dayInstant(value: unknown, end: boolean): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const day = value.trim();
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T${end ? '23:59:59.999' : '00:00:00.000'}+08:00` : day;
}

/** The import form as the API's body: one anchor. */
export function importBody(raw: Record<string, unknown>) {
  const text = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
  const validFrom = dayInstant(raw.validFrom, false);
  const validTo = dayInstant(raw.validTo, true);
  return {
    anchors: [
      {
        name: text('name').trim(),
        kind: text('kind'),
        // A pasted certificate may carry Windows line ends or surrounding blank lines.
        certificatePem: `${text('certificatePem').replace(/\r\n/g, '\n').trim()}\n`,
        ...(validFrom ? { validFrom } : {}),
        ...(validTo ? { validTo } : {}),
      },
    ],
  };
}

export function trustListPageRoutes(ctx: AppContext, service: TrustListService): Router {
  const { router, auth, form } = pageRouter(ctx, { limit: '64kb' });
  router.use('/trust-anchors', auth);

  router.get(
    '/trust-anchors',
    signedIn(async (_req, res, principal) => {
      const { items } = await service.list(principal);
      res.send(
        renderPage('trust-anchors', {
          title: '信任列表',
          principal,
          nav: 'trust_anchors',
          items: items.map((a) => ({ ...a, kindLabel: TRUST_ANCHOR_KIND_LABELS[a.kind] })),
          kinds: TRUST_ANCHOR_KINDS.map((k) => ({ value: k, label: TRUST_ANCHOR_KIND_LABELS[k] })),
          canEdit: await service.mayEdit(principal),
        }),
      );
    }),
  );

  router.post(
    '/trust-anchors',
    form,
    formAction(async (req, principal, body) => {
      await service.import(principal, importBody(body), requestMeta(req));
      return '/trust-anchors';
    }),
  );

  router.post(
    '/trust-anchors/:id/remove',
    form,
    formAction(async (req, principal) => {
      await service.remove(principal, String(req.params.id), requestMeta(req));
      return '/trust-anchors';
    }),
  );

  return router;
}
