/**
 * Flow definitions over JSON (issue 9): list and read (anyone signed in), save a draft, see its dry run, publish it,
 * restore a superseded version (platform administrators of management units, within their scope; see
 * api/services/flow-definitions.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import { FLOW_STATUSES, PROCESS_KINDS } from '../../domain/flow-definition';
import { FlowDefinitionBody } from '../../domain/flow-definition-schema';
import { requirePrincipal } from '../auth';
import type { AppContext } from '../context';
import { requestMeta } from '../principal';
import type { FlowDefinitionService } from '../services/flow-definitions';
import { parse } from '../validation';

export const FlowListQuery = z
  .object({
    kind: z.enum(PROCESS_KINDS).optional(),
    all: z.enum(['true', 'false']).optional(),
    status: z.enum(FLOW_STATUSES).optional(),
  })
  .strict();

export function flowDefinitionRoutes(ctx: AppContext, flows: FlowDefinitionService): Router {
  const router = Router();
  const authenticate = ctx.auth.middleware({ optional: false });
  router.use('/flow-definitions', authenticate);

  router.get('/flow-definitions', async (req, res) => {
    const q = parse(FlowListQuery, req.query);
    res.json({ items: await flows.list(q.kind, q.all === 'true', q.status) });
  });

  router.get('/flow-definitions/:id', async (req, res) => {
    res.json(await flows.get(req.params.id));
  });

  router.post('/flow-definitions', async (req, res) => {
    const principal = requirePrincipal(req);
    const body = parse(FlowDefinitionBody, req.body);
    const saved = await flows.save(principal, body, requestMeta(req));
    res.status(201).location(`/api/flow-definitions/${saved.id}`).json(saved);
  });

  router.get('/flow-definitions/:id/preview', async (req, res) => {
    res.json(await flows.preview(requirePrincipal(req), req.params.id, requestMeta(req)));
  });

  router.post('/flow-definitions/:id/publish', async (req, res) => {
    const { definition } = await flows.publish(requirePrincipal(req), req.params.id, requestMeta(req));
    res.json(definition);
  });

  router.post('/flow-definitions/:id/restore', async (req, res) => {
    const { definition } = await flows.restore(requirePrincipal(req), req.params.id, requestMeta(req));
    res.status(201).location(`/api/flow-definitions/${definition.id}`).json(definition);
  });

  return router;
}
