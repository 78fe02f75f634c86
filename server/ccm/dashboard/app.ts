/**
 * The billing dashboard, an Express sub-app mounted at /dashboard by createApp: server-rendered pages
 * (Handlebars) for billers and analysts behind sign-in, a month picker, charts drawn by Chart.js served
 * from the project's node_modules (no CDN), tables, a patient-month page and the CSV download. Every
 * response carries security headers (a strict Content-Security-Policy without inline script, no framing,
 * no sniffing, no referrer, no caching of pages).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { PracticeUserStore } from '../../auth/practice-users.js';
import type { SignInLimits } from '../../auth/rate-limits.js';
import type { SessionClaims, SessionCookies } from '../../auth/session-cookie.js';
import type { FhirServices } from '../../fhir/services.js';
import { engineContext, NoRulesError, type EngineContext } from '../engine/context.js';
import type { CcmSetup } from '../setup.js';
import { monthOf, parseMonth } from '../time/zone.js';
import { patientPage } from './patient-page.js';
import { STATIC_DIR, Views } from './render.js';
import { DASHBOARD_ROLES, sessionOf, signInRoutes } from './sign-in.js';
import { dashboardView } from './view-model.js';

/** What the dashboard needs. */
export interface DashboardDeps {
  services: FhirServices;
  ccm: CcmSetup;
  users: PracticeUserStore;
  sessions: SessionCookies;
  logger: Logger;
  /** The sign-in rate limits (shared with /auth and /ehr). */
  limits: SignInLimits;
}

const CHART_JS = path.join(
  path.dirname(createRequire(import.meta.url).resolve('chart.js')),
  'chart.umd.min.js',
);

/** Security headers of every dashboard response. */
function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader(
    'content-security-policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  next();
}

/** The month asked for (`month=YYYY-MM`), or the current month in the practice zone. */
function monthParam(req: Request, deps: DashboardDeps): string {
  const m = typeof req.query.month === 'string' && parseMonth(req.query.month) ? req.query.month : undefined;
  return m ?? monthOf(deps.services.clock().getTime(), deps.ccm.timezone);
}

/** The signed-in dashboard user, or a redirect to sign-in / a 403 page (then null). */
async function requireUser(
  req: Request,
  res: Response,
  deps: DashboardDeps,
  views: Views,
): Promise<SessionClaims | null> {
  const session = await sessionOf(req, deps.sessions);
  if (!session) {
    res.redirect(303, `/dashboard/login?next=${encodeURIComponent(req.originalUrl.slice(0, 200))}`);
    return null;
  }
  // The users store decides, not the cookie: a user removed or given other roles since sign-in
  // (`npm run users`) is out, or has the new roles, at the next request.
  const user = deps.users.find(session.sub);
  if (!user) {
    res.redirect(303, `/dashboard/login?next=${encodeURIComponent(req.originalUrl.slice(0, 200))}`);
    return null;
  }
  if (!user.roles.some((r) => DASHBOARD_ROLES.includes(r))) {
    message(res, views, 403, 'Forbidden', 'Your account has no dashboard role.');
    return null;
  }
  return { ...session, roles: user.roles };
}

/** An async route with errors passed on to Express. */
const route =
  (fn: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };

/** The engine context of a month, or a 400 page when no rules are in force (then null). */
function contextOr400(month: string, deps: DashboardDeps, res: Response, views: Views): EngineContext | null {
  try {
    return engineContext(month, deps.ccm.timezone, deps.ccm.classifier, deps.ccm.practice);
  } catch (err) {
    if (!(err instanceof NoRulesError)) throw err;
    message(res, views, 400, 'No billing rules', err.message);
    return null;
  }
}

/** A message page. */
function message(res: Response, views: Views, status: number, heading: string, text: string): void {
  res
    .status(status)
    .type('html')
    .send(views.page('message', { heading, message: text }, { title: heading }));
}

/** The signed-in user and the month's context of a page request, or null when already answered. */
async function pageContext(
  req: Request,
  res: Response,
  deps: DashboardDeps,
  views: Views,
): Promise<{ user: SessionClaims; ctx: EngineContext } | null> {
  const user = await requireUser(req, res, deps, views);
  const ctx = user && contextOr400(monthParam(req, deps), deps, res, views);
  return user && ctx ? { user, ctx } : null;
}

/** GET /dashboard: the month's figures, charts and tables. */
function monthPage(deps: DashboardDeps, views: Views) {
  return route(async (req, res) => {
    const page = await pageContext(req, res, deps, views);
    if (!page) return;
    const { user, ctx } = page;
    const { report, practice } = await deps.ccm.reports.build(ctx);
    const view = dashboardView(report, practice.records.values(), ctx, deps.services.clock().getTime());
    const data = {
      view,
      minutesChart: JSON.stringify(view.minutesChart),
      codesChart: JSON.stringify(view.codesChart),
    };
    const layout = {
      title: `CCM ${ctx.month.month}`,
      user,
      csrf: deps.sessions.csrfToken(user),
      scripts: true,
    };
    res.type('html').send(views.page('dashboard', data, layout));
  });
}

/** GET /dashboard/report.csv: the billing report as CSV. */
function csvDownload(deps: DashboardDeps, views: Views) {
  return route(async (req, res) => {
    const page = await pageContext(req, res, deps, views);
    if (!page) return;
    res.setHeader('content-disposition', `attachment; filename="ccm-billing-${page.ctx.month.month}.csv"`);
    res.type('text/csv; charset=utf-8').send((await deps.ccm.reports.build(page.ctx)).csv());
  });
}

/** GET /dashboard/patients/:id: one patient's month. */
function patientMonth(deps: DashboardDeps, views: Views) {
  return route(async (req, res) => {
    const page = await pageContext(req, res, deps, views);
    if (!page) return;
    const data = await patientPage(deps.services, String(req.params.id), page.ctx);
    if (!data) return message(res, views, 404, 'Not found', 'No such patient.');
    const layout = { title: data.name, user: page.user, csrf: deps.sessions.csrfToken(page.user) };
    res.type('html').send(views.page('patient', data, layout));
  });
}

/** Errors: 404 for missing static files, otherwise logged and answered with a 500 page. */
function errorPage(deps: DashboardDeps, views: Views) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    void _next;
    if ((err as { status?: number }).status === 404) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    deps.logger.error({ err, path: req.path }, 'dashboard error');
    message(res, views, 500, 'Something went wrong', 'The error was logged.');
  };
}

/** The dashboard router. */
export function dashboardApp(deps: DashboardDeps): Router {
  const views = new Views();
  const router = express.Router();
  router.use(securityHeaders);
  router.get('/static/chart.umd.min.js', (_req, res) => {
    res.sendFile(CHART_JS, { maxAge: '1d' });
  });
  router.use('/static', express.static(STATIC_DIR, { index: false, maxAge: '1h', fallthrough: false }));
  router.use(signInRoutes(deps.users, deps.sessions, views, deps.limits));
  router.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });
  router.get('/', monthPage(deps, views));
  router.get('/report.csv', csvDownload(deps, views));
  router.get('/patients/:id', patientMonth(deps, views));
  router.use(errorPage(deps, views));
  return router;
}
