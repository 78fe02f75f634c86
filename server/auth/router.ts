/**
 * The authorization server's Express router, mounted at /auth: authorize (GET and POST), the login and
 * consent pages, token, introspect, revoke and jwks. OAuth endpoints answer RFC 6749 JSON errors
 * (errors.ts), never OperationOutcomes; pages answer HTML.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Logger } from 'pino';
import type { FhirServices } from '../fhir/services.js';
import { authorizeEndpoint } from './authorize.js';
import { discoveryHandlers } from './discovery.js';
import { oauthErrorHandler } from './errors.js';
import { decideInteraction, showInteraction } from './interaction.js';
import type { PracticeUser, SmartAccess } from './smart-access.js';
import { introspectEndpoint, revokeEndpoint } from './token-admin.js';
import { tokenEndpoint } from './token-endpoint.js';
import { AUTH_VIEWS, Views } from './views.js';

type Handler = (req: Request, res: Response) => Promise<void>;

/** Wraps an async handler so that its failures reach the error middleware. */
export function wrap(fn: Handler) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };
}

/** A passport instance (not the module singleton) with the practice users' local strategy. */
export function practicePassport(smart: SmartAccess): passport.PassportStatic {
  const pp = new passport.Passport() as passport.PassportStatic;
  pp.use(
    new LocalStrategy((username, password, done) => {
      smart.users.verify(username, password).then(
        (user) => done(null, user ?? false),
        (err: unknown) => done(err),
      );
    }),
  );
  return pp;
}

/** Signs a practice user in with passport-local; calls `onFail` (wrong credentials) or `onOk`. */
export function localLogin(
  pp: passport.PassportStatic,
  smart: SmartAccess,
  onFail: Handler,
  onOk: (req: Request, res: Response, user: PracticeUser) => Promise<void>,
) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const cb = (err: unknown, user: PracticeUser | false) => {
      if (err) return next(err);
      const step = user
        ? smart.sessions.issue(res, user.username).then(() => onOk(req, res, user))
        : onFail(req, res);
      step.catch(next);
    };
    (pp.authenticate('local', { session: false }, cb) as express.RequestHandler)(req, res, next);
  };
}

/** The /auth router. */
export function authRouter(smart: SmartAccess, services: FhirServices, logger: Logger): Router {
  const router = express.Router();
  const views = new Views(AUTH_VIEWS);
  const pp = practicePassport(smart);
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  const docs = discoveryHandlers(smart);
  router.get('/jwks', docs.jwks);
  router.get(
    '/authorize',
    wrap((req, res) => authorizeEndpoint(smart, services, views, req, res)),
  );
  router.post(
    '/authorize',
    form,
    wrap((req, res) => authorizeEndpoint(smart, services, views, req, res)),
  );
  router.get(
    '/interaction/:id',
    wrap((req, res) => showInteraction(smart, services, views, req, res)),
  );
  router.post(
    '/interaction/:id/login',
    form,
    localLogin(
      pp,
      smart,
      (req, res) =>
        showInteraction(smart, services, views, req, res, 'The user name or password is not right.'),
      async (req, res) => res.redirect(303, `${smart.authBase}/interaction/${String(req.params.id)}`),
    ),
  );
  router.post(
    '/interaction/:id/consent',
    form,
    wrap((req, res) => decideInteraction(smart, services, views, req, res)),
  );
  router.post(
    '/token',
    form,
    wrap((req, res) => tokenEndpoint(smart, services, req, res)),
  );
  router.post(
    '/introspect',
    form,
    wrap((req, res) => introspectEndpoint(smart, req, res)),
  );
  router.post(
    '/revoke',
    form,
    wrap((req, res) => revokeEndpoint(smart, req, res)),
  );
  router.use(oauthErrorHandler(logger));
  return router;
}
