/**
 * Authentication of FHIR requests (SMART App Launch 2.2; RFC 6750): every /fhir request except the
 * CapabilityStatement and the `.well-known` documents needs a valid bearer token in the Authorization
 * header (passport's bearer strategy, tokens checked with jose). The verified access context is kept for
 * the FHIR adapter; refusals go to the FHIR error handler as OperationOutcomes with a
 * `WWW-Authenticate: Bearer` challenge.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { AccessContext } from '../fhir/access/context.js';
import { unauthorized } from '../fhir/access/errors.js';
import type { SmartAccess } from '../auth/smart-access.js';
import { TokenRejected, verifyAccessToken } from '../auth/tokens.js';

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
