/**
 * The practice sign-in form of /auth (the authorize interaction) and /ehr: passport-local against the
 * practice's users, under the sign-in rate limits (rate-limits.ts: 429 with `Retry-After`), behind a
 * double-submit CSRF token (the browser session's pre-sign-in token: a random value in its own cookie,
 * echoed by the form's `_csrf` field; a missing or wrong one is a 403 page). The dashboard has its own form
 * on the same mechanism (ccm/dashboard/sign-in.ts).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { clientAddress, RateLimited, type SignInLimits } from './rate-limits.js';
import type { PracticeUser, SmartAccess } from './smart-access.js';

/** Renders the login page with a fresh CSRF token, a status and an error message. */
export type LoginPage = (req: Request, res: Response, status: number, error?: string) => Promise<void>;

/** The message of a refused sign-in form (403). */
export const FORM_EXPIRED =
  'This sign-in form has expired or did not come from this site. Please sign in again.';
/** The message of a wrong user name or password (401). */
export const WRONG_PASSWORD = 'The user name or password is not right.';

/** The message of a rate-limited sign-in (429). */
export function tooManyAttempts(err: RateLimited): string {
  if (err.reason === 'busy') return 'Too many sign-ins are being checked right now. Try again in a moment.';
  const minutes = Math.ceil(err.retryAfterSeconds / 60);
  return `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/** A passport instance (not the module singleton) with the practice users' local strategy under the limits. */
export function practicePassport(smart: SmartAccess, limits: SignInLimits): passport.PassportStatic {
  const pp = new passport.Passport() as passport.PassportStatic;
  pp.use(
    new LocalStrategy({ passReqToCallback: true }, (req, username, password, done) => {
      limits
        .attempt(username, clientAddress(req), () => smart.users.verify(username, password))
        .then(
          (user) => done(null, user ?? false),
          (err: unknown) => done(err),
        );
    }),
  );
  return pp;
}

/**
 * POST handler of a sign-in form: CSRF check, then passport-local; renders `page` with 403, 429 or 401,
 * or signs the user in and calls `onOk`.
 */
export function localLogin(
  pp: passport.PassportStatic,
  smart: SmartAccess,
  page: LoginPage,
  onOk: (req: Request, res: Response, user: PracticeUser) => Promise<void>,
) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!smart.sessions.checkLoginCsrf(req, body._csrf)) {
      page(req, res, 403, FORM_EXPIRED).catch(next);
      return;
    }
    const cb = (err: unknown, user: PracticeUser | false) => {
      if (err instanceof RateLimited) {
        res.set('retry-after', String(err.retryAfterSeconds));
        page(req, res, 429, tooManyAttempts(err)).catch(next);
        return;
      }
      if (err) return next(err);
      const step = user
        ? smart.sessions.issue(res, user.username).then(() => onOk(req, res, user))
        : page(req, res, 401, WRONG_PASSWORD);
      step.catch(next);
    };
    (pp.authenticate('local', { session: false }, cb) as express.RequestHandler)(req, res, next);
  };
}
