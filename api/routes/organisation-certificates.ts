/**
 * Organisation certificates over JSON (issue 12 Build 5, SM-5(1), SM-6): the organisation's certificates and
 * requests, and a request to apply for, renew or revoke one (decided by the approval engine).
 */
import { Router } from 'express';
import { CertificateListQuery, CertificateRequestBody } from '../../domain/organisation-certificate';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { IdempotencyKey } from '../services/seal-applications';
import type { OrganisationCertificateService } from '../services/organisation-certificates';
import { parse } from '../validation';
import { requestMeta } from '../principal';

export function organisationCertificateRoutes(
  ctx: AppContext,
  service: OrganisationCertificateService,
): Router {
  const router = Router();
  const auth = ctx.auth.middleware({ optional: false });
  router.use('/organisation-certificates', auth);

  router.get('/organisation-certificates', async (req, res) => {
    const principal = requirePrincipal(req);
    const { organisationId } = parse(CertificateListQuery, req.query);
    res.json({
      items: await service.list(principal, organisationId),
      requests: await service.requests(principal, organisationId),
    });
  });

  router.post('/organisation-certificates/requests', async (req, res) => {
    const principal = requirePrincipal(req);
    const header = req.header('Idempotency-Key');
    const idempotencyKey = header === undefined ? undefined : parse(IdempotencyKey, header);
    const body = parse(CertificateRequestBody, req.body);
    const { request, created } = await service.submit(principal, body, {
      ...requestMeta(req),
      idempotencyKey,
    });
    res
      .status(created ? 201 : 200)
      .location(`/api/organisation-certificates/requests/${request.id}`)
      .json(request);
  });

  router.get('/organisation-certificates/requests/:id', async (req, res) => {
    res.json(await service.request(requirePrincipal(req), req.params.id));
  });

  return router;
}
