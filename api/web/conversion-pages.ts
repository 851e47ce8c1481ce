/**
 * Issue 19 (LM-10, WP-(二)2): the pages of legacy conversion, in zh-CN. 存量转换 (`/conversions`) lists the unit's
 * jobs and takes an upload; a job's page (`/conversions/:id`) maps the columns, shows the preview, starts the
 * conversion and follows it with a progress bar, then shows the report and the rejected rows' download — its
 * script (templates/static/conversion.js) calls the JSON API with the session cookie. 转换进度
 * (`/conversion/completion`) is the management unit's completion report.
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import type { ConversionCompletionService } from '../services/conversion-completion';
import type { LicenceConversionService } from '../services/licence-conversion';
import { renderPage, signedIn } from './render';
import { pageRouter } from './page-router';

export function conversionPageRoutes(
  ctx: AppContext,
  service: LicenceConversionService,
  completion: ConversionCompletionService,
): Router {
  const { router, auth } = pageRouter(ctx);

  router.get(
    '/conversions',
    auth,
    signedIn(async (_req, res, principal) => {
      const [jobs, types] = await Promise.all([service.list(principal), service.typesToConvert(principal)]);
      res.send(
        renderPage('conversions', { title: '存量证照转换', principal, nav: 'conversions', jobs, types }),
      );
    }),
  );

  router.get(
    '/conversions/:id',
    auth,
    signedIn(async (req, res, principal) => {
      const job = await service.view(principal, String(req.params.id));
      res.send(
        renderPage('conversion', {
          title: `存量转换：${job.licenceType.name}`,
          principal,
          nav: 'conversions',
          job,
        }),
      );
    }),
  );

  router.get(
    '/conversion/completion',
    auth,
    signedIn(async (_req, res, principal) => {
      const rows = (await completion.report(principal, new Date())).map((r) => ({
        ...r,
        remainingPercent: r.remainingShare === null ? null : Math.round(r.remainingShare * 1000) / 10,
        donePercent: r.remainingShare === null ? 0 : Math.round((1 - r.remainingShare) * 100),
      }));
      res.send(
        renderPage('conversion-completion', {
          title: '存量转换完成情况',
          principal,
          nav: 'conversion_completion',
          rows,
        }),
      );
    }),
  );

  return router;
}
