/**
 * The clinician SMART app as an Express router mounted at `/app` (SMART App Launch 2.2 app-launch.html):
 * `/launch` and `/callback` (launch.ts), static files, and one router per launch at `/app/p/{key}` on which
 * the screens mount (context.ts). Security headers on every response: CSP without inline script,
 * frame-ancestors for EHR iframes, nosniff, no referrer (URLs carry launch keys), no caching of pages.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import helmet from 'helmet';
import type { Practitioner } from 'fhir/r4.js';
import type { Logger } from 'pino';
import { mountCarePlan } from './care-plan/screen.js';
import type { MountScreen } from './context.js';
import { exchangeToken, type CcmClient } from './ehr/exchange.js';
import { linkLaunch } from './ehr/link.js';
import { scopeGrantsCreate } from './ehr/note.js';
import type { Exchanger } from './ehr/tokens.js';
import { fhirFailurePage, withKeptInput } from './failures.js';
import { normaliseIss, type IssuerClient } from './issuers.js';
import { completeLaunch, LaunchError, startLaunch, type LaunchDeps } from './launch.js';
import { mountConditions } from './screens/conditions.js';
import { mountConsent } from './screens/consent.js';
import { mountNote } from './screens/note.js';
import { mountTime } from './screens/time.js';
import { SessionStore, type LaunchRecord } from './sessions.js';
import { checkCsrf, parseBodies, resolveLaunch, screenDeps, summarisePatient } from './shell.js';
import { AppViews, sendError } from './views.js';
import { httpFhirApi } from './fhir-api.js';

const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');
const APP_PATH = '/app';

/** What the app needs from the server. */
export interface ClinicianAppOptions {
  /** The public origin of this server (`http://127.0.0.1:8080`). */
  origin: string;
  issuers: IssuerClient[];
  /** CSP frame-ancestors sources (default `'self'`). */
  frameAncestors?: string;
  sessionMinutes?: number;
  timeZone: string;
  clock?: () => Date;
  logger?: Logger;
  /** Extra screens (tests). */
  screens?: MountScreen[];
  /** This ccm-fhir's FHIR base URL (default `{origin}/fhir`): launches from other issuers use two servers. */
  ownIss?: string;
  /** The app's credential at this ccm-fhir, for the token exchange of launches from other EHRs. */
  ccmClient?: CcmClient;
  /** ccm-fhir's trusted issuers' write-back switches (EHR_ISSUERS_FILE), by issuer URL. */
  issuerWriteBack?: ReadonlyMap<string, boolean>;
}

/** The security headers of every app response. */
function securityHeaders(origin: string, frameAncestors: string) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: frameAncestors.split(/\s+/),
        ...(origin.startsWith('https:') ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    xFrameOptions: frameAncestors === "'self'" ? { action: 'sameorigin' } : false,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: origin.startsWith('https:'),
    crossOriginEmbedderPolicy: false,
  });
}

/** After the code exchange: reads the patient (banner) and the user's name, best effort for the name. */
async function enrich(record: LaunchRecord): Promise<void> {
  const api = httpFhirApi({
    get: () => record.client,
    set: (s) => (record.client = s),
    now: () => Date.now(),
  });
  record.patient = summarisePatient(await api.read('Patient', record.context.patientId));
  const who = record.context.fhirUser;
  if (!record.context.userName && who?.startsWith('Practitioner/')) {
    const p = await api.read<Practitioner>('Practitioner', who.slice(13)).catch(() => undefined);
    const n = p?.name?.[0];
    if (n)
      record.context.userName =
        n.text ?? [...(n.prefix ?? []), ...(n.given ?? []), n.family ?? ''].join(' ').trim();
  }
}

/** Whether the note may be written back to the launching EHR: its configuration, then the token's scope. */
function writeBackOf(
  record: LaunchRecord,
  issuers: IssuerClient[],
  trusted?: ReadonlyMap<string, boolean>,
): { allowed: boolean; why?: string } {
  const client = issuers.find((c) => c.iss === record.context.ehrIss);
  if (!(trusted?.get(record.context.ehrIss) ?? client?.writeBack ?? false))
    return { allowed: false, why: 'this EHR is not configured to receive notes from the app.' };
  const scope = record.client.tokenResponse?.scope ?? client?.scope;
  if (!scopeGrantsCreate(scope, 'DocumentReference'))
    return { allowed: false, why: 'the EHR did not grant the app DocumentReference create (scope).' };
  return { allowed: true };
}

/** The error handler: launch failures, FHIR failures and anything else as a page, never a stack trace. */
function errorPages(views: AppViews, logger?: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    if (err instanceof LaunchError) return sendError(views, res, err.page);
    const failed = fhirFailurePage(err);
    if (failed) return sendError(views, res, { ...withKeptInput(req, failed) });
    const tooBig = (err as { code?: string }).code === 'LIMIT_FILE_SIZE';
    if (!tooBig) logger?.error({ err, path: req.path }, 'clinician app error');
    sendError(views, res, {
      ...withKeptInput(req, {
        status: tooBig ? 413 : 500,
        title: tooBig ? 'The file is too large' : 'Something went wrong',
        message: tooBig ? 'Uploads may be at most 5 MB.' : 'The app could not complete this request.',
        hint: 'Go back and try again.',
      }),
    });
  };
}

/** The launch-scoped router with every screen mounted. */
function launchRouter(
  sessions: SessionStore,
  views: AppViews,
  opts: ClinicianAppOptions,
  exchange: Exchanger,
): Router {
  const router = express.Router({ mergeParams: true });
  router.use(resolveLaunch(sessions, views), parseBodies, checkCsrf(views));
  const deps = screenDeps(views, {
    now: opts.clock ?? (() => new Date()),
    timeZone: opts.timeZone,
    appPath: APP_PATH,
    exchange,
  });
  router.get('/', (req, res) =>
    res.redirect(303, `${APP_PATH}/p/${(req.params as Record<string, string>).key}/conditions`),
  );
  for (const mount of [
    mountConditions,
    mountConsent,
    mountCarePlan,
    mountTime,
    mountNote,
    ...(opts.screens ?? []),
  ])
    mount(router, deps);
  return router;
}

/** True when `frame-ancestors` lets an origin other than the app's own frame it (an EHR iframe). */
export function framedByOtherOrigins(frameAncestors: string, origin: string): boolean {
  return frameAncestors
    .split(/\s+/)
    .some((s) => s !== '' && s !== "'self'" && s !== "'none'" && s !== origin);
}

/** Builds the `/app` router. */
export function clinicianApp(opts: ClinicianAppOptions): Router {
  const views = new AppViews();
  const sessions = new SessionStore({
    idleMs: (opts.sessionMinutes ?? 480) * 60000,
    now: () => Date.now(),
    secure: opts.origin.startsWith('https:'),
    crossSiteFrame: framedByOtherOrigins(opts.frameAncestors ?? "'self'", opts.origin),
  });
  const ownIss = opts.ownIss ?? `${opts.origin}/fhir`;
  const launchDeps: LaunchDeps = {
    issuers: opts.issuers,
    ownIss,
    canExchange: Boolean(opts.ccmClient),
    sessions,
    appBase: `${opts.origin}${APP_PATH}`,
    now: () => Date.now(),
  };
  const ccmClient = opts.ccmClient;
  const exchange: Exchanger = (input) => {
    if (!ccmClient) throw new Error('no ccm-fhir credential');
    return exchangeToken(normaliseIss(ownIss), ccmClient, input);
  };
  const now = opts.clock ?? (() => new Date());
  const app = express.Router();
  app.use(securityHeaders(opts.origin, opts.frameAncestors ?? "'self'"));
  app.use('/static', express.static(STATIC_DIR, { index: false, maxAge: '1h' }));
  app.get('/launch', async (req, res, next) => {
    try {
      if (req.query.iss === undefined && req.query.launch === undefined) {
        const issuers = opts.issuers.map((c) => ({
          ...c,
          href: `${APP_PATH}/launch?iss=${encodeURIComponent(c.iss)}`,
        }));
        return views.send(res, 200, 'standalone', {
          pageTitle: 'Open the app',
          issuers,
          staticBase: `${APP_PATH}/static`,
        });
      }
      res.set('cache-control', 'no-store').redirect(302, await startLaunch(launchDeps, req, res));
    } catch (err) {
      next(err);
    }
  });
  app.get('/callback', async (req, res, next) => {
    try {
      const record = await completeLaunch(launchDeps, req, res, async (r) => {
        if (!r.context.twoServers) return enrich(r);
        await linkLaunch(r, { exchange, now });
        r.context.writeBack = writeBackOf(r, opts.issuers, opts.issuerWriteBack);
      });
      res.set('cache-control', 'no-store').redirect(303, `${APP_PATH}/p/${record.context.key}/conditions`);
    } catch (err) {
      next(err);
    }
  });
  app.use('/p/:key', launchRouter(sessions, views, opts, exchange));
  app.use((_req: Request, res: Response) =>
    sendError(views, res, {
      status: 404,
      title: 'Page not found',
      message: 'There is no such page in the app.',
      hint: 'Open the app again from your EHR.',
    }),
  );
  app.use(errorPages(views, opts.logger));
  return app;
}
