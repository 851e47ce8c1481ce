/**
 * Public service-item pages (issue 16 Build 7, WP-(一)1, LM-15): the list, and one item with the licences it needs
 * and whether paper is still required for each. No login; a signed-in user sees the usual menu.
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import type { ServiceItemService } from '../services/service-items';
import { renderPage } from './render';
import { pageRouter } from './page-router';

export function serviceItemPageRoutes(ctx: AppContext, items: ServiceItemService): Router {
  const { router, auth } = pageRouter(ctx);
  router.get('/service-items', auth, async (req, res, next) => {
    try {
      const list = await items.list();
      res.send(
        renderPage('service-items', {
          title: '服务事项',
          principal: req.principal,
          nav: 'service_items',
          list,
        }),
      );
    } catch (err) {
      next(err);
    }
  });
  router.get('/service-items/:code', auth, async (req, res, next) => {
    try {
      const item = await items.get(String(req.params.code));
      res.send(
        renderPage('service-item', {
          title: item.name,
          principal: req.principal,
          nav: 'service_items',
          item,
        }),
      );
    } catch (err) {
      next(err);
    }
  });
  return router;
}
