/**
 * Issue 16 pages: 我的证照 for holders (LM-20: list, status, face, downloads, 亮证 with chosen items, consents,
 * the access history), the verifier's workbench for using units (look-up by holder code, QR scan or upload, offline
 * verification in the browser, archive to a case, LM-21), the public page a phone opens from a 亮证 QR, the share
 * link's page (WP-(三)4), and the browser bundle of the offline verifier.
 */
import path from 'node:path';
import { buildSync } from 'esbuild';
import { Router } from 'express';
import { disclosableItems } from '../../pki/presentation-token';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { LicenceArchiveService } from '../services/licence-archives';
import type { LicenceConsentService } from '../services/licence-consents';
import type { LicenceService } from '../services/licences';
import type { PresentationService } from '../services/presentations';
import type { ServiceItemService } from '../services/service-items';
import { formAction, renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

interface Services {
  licences: LicenceService;
  presentations: PresentationService;
  consents: LicenceConsentService;
  archives: LicenceArchiveService;
  serviceItems: ServiceItemService;
}

let bundle: string | null = null;
function verifierBundle(): string {
  bundle ??= buildSync({
    entryPoints: [path.join(__dirname, 'browser', 'presentation-verifier-page.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
  }).outputFiles[0].text;
  return bundle;
}

const ITEM_LABELS: Record<string, string> = {
  holderName: '持证人',
  holderCode: '持证人代码',
  validFrom: '有效期起',
  validTo: '有效期至',
};

export function holderPageRoutes(ctx: AppContext, s: Services): Router {
  const { router, auth, form } = pageRouter(ctx);

  router.get('/assets/presentation-verifier.js', (_req, res) => {
    res.type('application/javascript').set('Cache-Control', 'public, max-age=300').send(verifierBundle());
  });

  router.get(
    '/my/licences',
    auth,
    signedIn(async (req, res, principal) => {
      const meta = requestMeta(req);
      const found = await s.licences.search(principal, { page: 1 }, meta);
      const items = [];
      for (const licence of found.items) {
        const labels = await s.consents.labelsOf(licence.typeCode, licence.typeVersion);
        items.push({
          ...licence,
          face: Object.entries(licence.data).map(([k, v]) => ({ label: labels[k] ?? k, value: String(v) })),
          items: disclosableItems(licence).map((key) => ({
            key,
            label: key.startsWith('data.') ? (labels[key.slice(5)] ?? key) : ITEM_LABELS[key],
          })),
          history: await s.consents.accessHistory(principal, licence.identifier, meta),
          consentList: await s.consents.list(principal, licence.identifier, meta),
          exportUrl: `/api/licenses/${encodeURIComponent(licence.identifier)}/export`,
          copyUrl: `/verify/${encodeURIComponent(licence.identifier)}/copy.pdf?code=${licence.accessCode}`,
        });
      }
      const units = await s.consents.usingUnits();
      res.send(
        renderPage('my-licences', {
          title: '我的证照',
          principal,
          nav: 'my',
          items,
          units,
          shareUrl: req.query.share,
        }),
      );
    }),
  );

  router.post(
    '/my/licences/:identifier/consents',
    auth,
    form,
    formAction(async (req, principal, body) => {
      const raw = body as Record<string, string>;
      const days = Math.min(Math.max(Number(raw.days) || 7, 1), 365);
      const answer = await s.consents.grant(
        principal,
        String(req.params.identifier),
        {
          ...(raw.grantee === 'share' ? { share: true } : { granteeOrganisationId: raw.grantee }),
          purpose: raw.purpose ?? '',
          fullData: raw.fullData === 'true',
          validTo: new Date(Date.now() + days * 86_400_000).toISOString(),
        },
        requestMeta(req),
      );
      const share = answer.shareUrl ? `?share=${encodeURIComponent(answer.shareUrl)}` : '';
      return `/my/licences${share}#consents`;
    }),
  );

  router.post(
    '/my/consents/:id/revoke',
    auth,
    formAction(async (req, principal) => {
      await s.consents.revoke(principal, String(req.params.id), requestMeta(req));
      return '/my/licences#consents';
    }),
  );

  router.get(
    '/verifier',
    auth,
    signedIn(async (req, res, principal) => {
      const holderCode =
        typeof req.query.holderCode === 'string' ? req.query.holderCode.trim().toUpperCase() : '';
      const choice = await workbenchChoice(s.serviceItems, req.query);
      const found = holderCode
        ? await s.licences.search(principal, { holderCode, page: 1 }, requestMeta(req))
        : null;
      // The case's service item narrows the look-up to the licence types it needs (issue 16 Build 6-7, LM-15).
      const items = found?.items.filter((l) => choice.types.size === 0 || choice.types.has(l.typeCode));
      const archive = await s.archives.list(principal);
      res.send(
        renderPage('verifier', {
          title: '用证核验',
          principal,
          nav: 'verifier',
          holderCode,
          found: found && { ...found, items },
          archive,
          ...choice.view,
        }),
      );
    }),
  );

  router.post(
    '/verifier/archive',
    auth,
    form,
    formAction(async (req, principal, body) => {
      const raw = body as Record<string, string>;
      const presentation = raw.presentationReason
        ? { reason: raw.presentationReason, valid: raw.presentationReason === 'valid' }
        : undefined;
      await s.archives.archive(
        principal,
        { caseRef: raw.caseRef ?? '', identifier: raw.identifier ?? '', presentation },
        requestMeta(req),
      );
      return '/verifier#archive';
    }),
  );

  router.get('/presentations/verify', auth, (req, res) => {
    res.send(renderPage('presentation-verify', { title: '亮证核验', principal: req.principal }));
  });

  router.get('/shared/:token', auth, async (req, res) => {
    const view = await s.consents.sharedView(String(req.params.token), requestMeta(req));
    res
      .set('Cache-Control', 'no-store')
      .send(renderPage('shared-licence', { title: '分享的电子证照', principal: req.principal, ...view }));
  });

  return router;
}

/**
 * The workbench's service item and licence types: the types ticked for the same service item, or else (the item
 * was just chosen or changed) those the item needs, pre-selected; among the catalogue's published types.
 */
async function workbenchChoice(items: ServiceItemService, query: Record<string, unknown>) {
  const code = typeof query.serviceItem === 'string' ? query.serviceItem.trim() : '';
  const [serviceItems, types] = await Promise.all([items.list(), items.publishedTypes()]);
  const serviceItem = serviceItems.find((i) => i.code === code) ?? null;
  const sameItem = (typeof query.typesFor === 'string' ? query.typesFor : '') === code;
  const ticked = ([] as unknown[])
    .concat(query.types ?? [])
    .filter((t): t is string => typeof t === 'string');
  const chosen = new Set(sameItem || !serviceItem ? ticked : await items.typeCodesOf(serviceItem.code));
  return {
    types: chosen,
    view: {
      serviceItems: serviceItems.map((i) => ({ ...i, selected: i.code === serviceItem?.code })),
      typeChoices: types.map((t) => ({ ...t, checked: chosen.has(t.typeCode) })),
      serviceItem,
    },
  };
}
