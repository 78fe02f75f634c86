/**
 * Authentication of FHIR requests (SMART App Launch 2.2; RFC 6750): every /fhir request except the
 * CapabilityStatement and the `.well-known` documents needs a valid bearer token in the Authorization
 * header (passport's bearer strategy, tokens checked with jose). The verified access context is kept for
 * the FHIR adapter; refusals go to the FHIR error handler as OperationOutcomes with a
 * `WWW-Authenticate: Bearer` challenge. A token found in the verified-token cache skips passport's
 * per-request strategy set-up; it is still checked for revocation on every request (tokens.ts).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { AccessContext } from '../fhir/access/context.js';
import { unauthorized } from '../fhir/access/errors.js';
import type { SmartAccess } from '../auth/smart-access.js';
import { isRevoked, TokenRejected, verifyAccessToken } from '../auth/tokens.js';
import { nowSeconds } from '../auth/smart-access.js';

const contexts = new WeakMap<Request, AccessContext>();

/** The access context of an authenticated request (undefined in the open mode). */
export function accessOf(req: Request): AccessContext | undefined {
  return contexts.get(req);
}

/** Paths below /fhir that need no token: the CapabilityStatement and discovery (conformance.html). */
function isPublic(req: Request): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    (req.path === '/metadata' || req.path.startsWith('/.well-known/'))
  );
}

/** The bearer token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), as passport reads it. */
function headerToken(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined || h.length < 8 || h.charCodeAt(6) !== 32) return undefined;
  const parts = h.split(' ');
  return parts.length === 2 && /^Bearer$/i.test(parts[0]) && parts[1] !== '' ? parts[1] : undefined;
}

/**
 * Authenticates a request whose token was verified before, without passport: the cached verification,
 * then the revocation check. Returns false when the token is not cached (passport takes the request).
 */
function fromCache(smart: SmartAccess, req: Request, next: NextFunction): boolean {
  const token = headerToken(req);
  if (token === undefined || (req.body as { access_token?: unknown } | undefined)?.access_token) return false;
  const entry = smart.verified.get(token, nowSeconds(smart), false);
  if (!entry) return false;
  isRevoked(smart, entry.claims).then((revoked) => {
    if (!revoked) {
      contexts.set(req, entry.context);
      return next();
    }
    smart.verified.forget(token);
    next(unauthorized('The access token was revoked', 'invalid_token'));
  }, next);
  return true;
}

/** The middleware authenticating /fhir requests with passport's bearer strategy. */
export function fhirAuthentication(smart: SmartAccess): RequestHandler {
  const pp = new passport.Passport() as passport.PassportStatic;
  pp.use(
    new BearerStrategy((token, done) => {
      verifyAccessToken(smart, token).then(
        ({ context }) => done(null, context),
        (err: unknown) => (err instanceof TokenRejected ? done(null, false, err.reason) : done(err)),
      );
    }),
  );
  return (req: Request, res: Response, next: NextFunction): void => {
    if (isPublic(req)) return next();
    // RFC 6750 §2.3: tokens in URLs end up in logs and histories; only the header is accepted.
    if (/[?&]access_token=/.test(req.originalUrl)) {
      return next(unauthorized('Send the access token in the Authorization header', 'invalid_request'));
    }
    if (fromCache(smart, req, next)) return;
    const cb = (err: unknown, context: AccessContext | false, info?: unknown) => {
      if (err) return next(err);
      if (!context) {
        const hasHeader = req.headers.authorization !== undefined;
        const detail = typeof info === 'string' ? /error_description="([^"]*)"/.exec(info)?.[1] : undefined;
        return next(
          hasHeader
            ? unauthorized(detail ?? 'The access token is not valid', 'invalid_token')
            : unauthorized('This FHIR server needs an access token (SMART App Launch)'),
        );
      }
      contexts.set(req, context);
      next();
    };
    (pp.authenticate('bearer', { session: false }, cb) as RequestHandler)(req, res, next);
  };
}
