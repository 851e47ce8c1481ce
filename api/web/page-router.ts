/**
 * What every page module starts from: its router, optional sign-in and the posted-form parser. A module uses both
 * per route (or under its own path), not for its whole router: the page routers sit in front of one another in
 * api/app.ts, and one must neither slow down nor read the bodies of the others' requests. Only the last of them
 * (pages.ts) uses them for every request that reaches it.
 */
import express, { type RequestHandler, Router } from 'express';
import type { AppContext } from '../context';

export interface PageRouter {
  router: Router;
  /**
   * Optional sign-in: sets `req.principal` from the session cookie (or bearer token) unless a router before this
   * one already did; an anonymous request goes on without one (`signedIn` sends it to the login page).
   */
  auth: RequestHandler;
  /** A posted urlencoded form (`extended: false`, see FormBody), up to the module's limit. */
  form: RequestHandler;
}

/** The limits of a module's posted forms; 16 kB and express's 1000 fields unless it takes larger ones. */
export interface FormLimits {
  limit?: string;
  parameterLimit?: number;
}

export function pageRouter(ctx: AppContext, limits: FormLimits = {}): PageRouter {
  const { limit = '16kb', parameterLimit } = limits;
  return {
    router: Router(),
    auth: ctx.auth.middleware({ optional: true }),
    form: express.urlencoded({ extended: false, limit, ...(parameterLimit ? { parameterLimit } : {}) }),
  };
}
