/**
 * Licences over JSON (LM-7, LM-9, LM-14, LM-16): issuing and changing from an issuing unit's business system
 * (201 issued, 202 accepted and still signing or awaiting a seal-use authorisation, 200 a repeat, 409 the case id
 * with other content, 400 naming each field), the request's state, one licence (masked where the access rule says),
 * its export and versions, the unit's search and the management unit's late arrivals (LM-9).
 */
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { IssueAnswer, LateArrivalsQuery, LicenceSearchQuery, LicenceService } from '../services/licences';
import { parse } from '../validation';
import { LicenceEventService, StatusAtQuery } from '../services/licence-events';
import { requestMeta } from '../principal';

export function licenceRoutes(ctx: AppContext, service: LicenceService, events: LicenceEventService): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  // Only under /licenses: public routes of other routers (verification) must not meet this login requirement.
  router.use('/licenses', auth);
  const send = (res: import('express').Response, answer: IssueAnswer) =>
    res.status(answer.status).location(answer.location).json(answer.body);

  router.post('/licenses', async (req, res) => {
    send(res, await service.issue(requirePrincipal(req), req.body, requestMeta(req)));
  });

  router.get('/licenses', async (req, res) => {
    const query = parse(LicenceSearchQuery, req.query);
    res.json(await service.search(requirePrincipal(req), query, requestMeta(req)));
  });

  // Before /licenses/:identifier, which would otherwise take these words for identifiers.
  router.get('/licenses/late', async (req, res) => {
    const query = parse(LateArrivalsQuery, req.query);
    res.json(await service.lateArrivals(requirePrincipal(req), query, requestMeta(req)));
  });

  router.get('/licenses/issuances/:caseId', async (req, res) => {
    res.json(await service.issuanceStatus(requirePrincipal(req), req.params.caseId));
  });

  router.get('/licenses/:identifier', async (req, res) => {
    res.json(await service.get(requirePrincipal(req), req.params.identifier, requestMeta(req)));
  });

  router.get('/licenses/:identifier/export', async (req, res) => {
    const document = await service.export(requirePrincipal(req), req.params.identifier, requestMeta(req));
    res
      .set(
        'Content-Disposition',
        `attachment; filename="licence-${document.licence.metadata.identifier}.json"`,
      )
      .json(document);
  });

  // Issue 20 Build 2: the signature record as GB/T 38540 SES_Signature (DER).
  router.get('/licenses/:identifier/ses-signature', async (req, res) => {
    const { identifier, der } = await service.sesSignature(
      requirePrincipal(req),
      req.params.identifier,
      requestMeta(req),
    );
    res
      .type('application/octet-stream')
      .set('Content-Disposition', `attachment; filename="licence-${identifier}-ses-signature.der"`)
      .send(der);
  });

  router.get('/licenses/:identifier/versions', async (req, res) => {
    const items = await service.versions(requirePrincipal(req), req.params.identifier, requestMeta(req));
    res.json({ items });
  });

  router.post('/licenses/:identifier/versions', async (req, res) => {
    send(res, await service.change(requirePrincipal(req), req.params.identifier, req.body, requestMeta(req)));
  });

  // Issue 12 Build 1: lifecycle events (201 recorded, 202 awaiting approval or a seal-use authorisation, 200 a
  // repeat, 409 an illegal transition naming its rule or the case id with other content).
  router.post('/licenses/:identifier/events', async (req, res) => {
    const answer = await events.record(
      requirePrincipal(req),
      req.params.identifier,
      req.body,
      requestMeta(req),
    );
    res.status(answer.status).json(answer.body);
  });

  router.get('/licenses/:identifier/events', async (req, res) => {
    const items = await events.history(requirePrincipal(req), req.params.identifier, requestMeta(req));
    res.json({ items });
  });

  // Issue 12 Build 4: the status as it was at a moment (now when `at` is absent).
  router.get('/licenses/:identifier/status', async (req, res) => {
    const query = parse(StatusAtQuery, req.query);
    res.json(await events.statusAt(requirePrincipal(req), req.params.identifier, query.at, requestMeta(req)));
  });

  return router;
}
