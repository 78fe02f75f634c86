/**
 * The authorization server's Express router, mounted at /auth: authorize (GET and POST), the login and
 * consent pages (sign-in-form.ts: CSRF and rate limits), token (rate limited), introspect, revoke and jwks. OAuth endpoints answer RFC 6749 JSON errors
 * (errors.ts), never OperationOutcomes; pages answer HTML.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { FhirServices } from '../fhir/services.js';
import { authorizeEndpoint } from './authorize.js';
import { discoveryHandlers } from './discovery.js';
import { oauthErrorHandler } from './errors.js';
import { decideInteraction, showInteraction } from './interaction.js';
import { claimedClientId } from './client-auth.js';
import { OAuthError } from './errors.js';
import { clientAddress, RateLimited, type RateLimits, type TokenLimits } from './rate-limits.js';
import { localLogin, practicePassport } from './sign-in-form.js';
import type { SmartAccess } from './smart-access.js';
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

/**
 * Counts a token request against the limits (per client_id and per address); over them, 429 with
 * `Retry-After` and an RFC 6749 §5.2-shaped body (`temporarily_unavailable`, the RFC 6749 §4.1.2.1 code
 * of an overloaded server).
 */
async function limitTokenRequest(limits: TokenLimits, req: Request): Promise<void> {
  try {
    await limits.take(claimedClientId(req), clientAddress(req));
  } catch (err) {
    if (!(err instanceof RateLimited)) throw err;
    const after = err.retryAfterSeconds;
    throw new OAuthError(
      'temporarily_unavailable',
      `Too many token requests; retry after ${after} seconds`,
      429,
      { 'retry-after': String(after) },
    );
  }
}

/** The /auth router. */
export function authRouter(
  smart: SmartAccess,
  services: FhirServices,
  logger: Logger,
  limits: RateLimits,
): Router {
  const router = express.Router();
  const views = new Views(AUTH_VIEWS);
  const pp = practicePassport(smart, limits.signIn);
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
      (req, res, status, error) => showInteraction(smart, services, views, req, res, error, status),
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
    wrap(async (req, res) => {
      await limitTokenRequest(limits.token, req);
      await tokenEndpoint(smart, services, req, res);
    }),
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
