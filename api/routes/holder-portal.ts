/**
 * Issue 16 over JSON: 亮证 (WP-(三)3), consent and its revocation (LM-16 … LM-18), the access history (LM-20), the
 * using unit's archive (LM-21), and the public pieces an offline verifier needs: the presentation key (JWK Set)
 * and the Token Status Lists.
 */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { LicenceArchiveService } from '../services/licence-archives';
import type { LicenceConsentService } from '../services/licence-consents';
import type { PresentationService } from '../services/presentations';

export function holderPortalRoutes(
  ctx: AppContext,
  presentations: PresentationService,
  consents: LicenceConsentService,
  archives: LicenceArchiveService,
): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });

  router.post('/licenses/:identifier/presentations', auth, async (req, res) => {
    const answer = await presentations.present(
      requirePrincipal(req),
      String(req.params.identifier),
      req.body,
      requestMeta(req),
    );
    res.status(201).json(answer);
  });
  router.get('/licenses/:identifier/access-history', auth, async (req, res) => {
    const items = await consents.accessHistory(
      requirePrincipal(req),
      String(req.params.identifier),
      requestMeta(req),
    );
    res.json({ items });
  });
  router.get('/licenses/:identifier/consents', auth, async (req, res) => {
    const items = await consents.list(requirePrincipal(req), String(req.params.identifier), requestMeta(req));
    res.json({ items });
  });
  router.post('/licenses/:identifier/consents', auth, async (req, res) => {
    const answer = await consents.grant(
      requirePrincipal(req),
      String(req.params.identifier),
      req.body,
      requestMeta(req),
    );
    res.status(201).json(answer);
  });
  router.post('/consents/:id/revoke', auth, async (req, res) => {
    res.json(await consents.revoke(requirePrincipal(req), String(req.params.id), requestMeta(req)));
  });
  router.post('/licence-archives', auth, async (req, res) => {
    res.status(201).json(await archives.archive(requirePrincipal(req), req.body, requestMeta(req)));
  });
  router.get('/licence-archives', auth, async (req, res) => {
    res.json({ items: await archives.list(requirePrincipal(req)) });
  });
  return router;
}

/** Public, mounted before the routers that require a login: what an offline verifier fetches once and keeps. */
export function presentationPublicRoutes(presentations: PresentationService): Router {
  const router = Router();
  router.get('/presentation-keys', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json(presentations.publicJwks());
  });
  router.get('/presentation-labels', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json({ labels: await presentations.itemLabels() });
  });
  router.get('/status-lists/:id', async (req, res) => {
    const jwt = await presentations.statusList(String(req.params.id));
    res.type('application/statuslist+jwt').set('Cache-Control', 'public, max-age=60').send(jwt);
  });
  return router;
}
