/** The Express application: JSON API under /api, health, OpenAPI with Swagger UI, and the web UI. */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import express, { NextFunction, Request, Response } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { AppContext } from './context';
import { ApiError, errorBody, jsonErrorHandler } from './errors';
import { openApiDocument } from './openapi';
import { authRoutes } from './routes/auth';
import { healthRoutes } from './routes/health';
import { sealRoutes } from './routes/seal-applications';
import { SealApplicationService } from './services/seal-applications';
import { SealService } from './services/seals';
import { pageErrorHandler, pageRoutes } from './web/pages';

export function createApp(ctx: AppContext) {
  const app = express();
  const sealApplications = new SealApplicationService(ctx);
  const seals = new SealService(ctx);
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use((req, res, next) => {
    req.requestId = req.header('X-Request-Id') ?? randomUUID();
    res.set('X-Request-Id', req.requestId);
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'same-origin');
    res.set('X-Frame-Options', 'DENY');
    next();
  });
  app.use(sameOriginForCookies);
  app.use('/static', express.static(path.join(__dirname, '..', 'templates', 'static'), { maxAge: '1h' }));
  app.use(healthRoutes(ctx));

  const document = openApiDocument(ctx.config.publicUrl);
  app.get('/api/openapi.json', (_req, res) => res.json(document));
  app.use(
    '/api/docs',
    swaggerUi.serve,
    swaggerUi.setup(document, { customSiteTitle: '接口文档 · 电子证照与电子印章平台' }),
  );

  // Imprints travel base64-encoded in JSON (512 KiB decoded at most): leave room so that an oversized image is
  // answered with a 400 naming `imprint.data` rather than a bare 413.
  app.use('/api', express.json({ limit: '4mb' }));
  app.use('/api', authRoutes(ctx));
  app.use('/api', sealRoutes(ctx, sealApplications, seals));
  app.use('/api', (_req, _res, next) => next(new ApiError('NOT_FOUND', '接口不存在')));
  app.use('/api', jsonErrorHandler(ctx.em));

  app.use(pageRoutes(ctx, sealApplications, seals));
  app.use((req: Request, _res: Response, next: NextFunction) =>
    next(new ApiError('NOT_FOUND', `页面 ${req.path} 不存在`)),
  );
  app.use(pageErrorHandler(ctx.em));
  return { app, sealApplications };
}

/**
 * CSRF defence for the web UI: the session cookie is SameSite=Strict, and a state-changing request that carries
 * the cookie must come from this origin. Bearer-token API calls are unaffected.
 */
function sameOriginForCookies(req: Request, res: Response, next: NextFunction): void {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method) || !req.headers.cookie || req.headers.authorization)
    return next();
  const origin = req.header('Origin');
  if (origin && origin !== 'null' && new URL(origin).host !== req.header('Host')) {
    res.status(403).json(errorBody(new ApiError('FORBIDDEN', '跨站请求被拒绝')));
    return;
  }
  next();
}
