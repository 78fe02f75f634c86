/**
 * Sign-in for the dashboard: a login form protected by a double-submit CSRF token, passport-local checking
 * the practice users under the sign-in rate limits (429 with `Retry-After`), a stateless signed session cookie on success, and sign-out (CSRF-checked POST).
 * Only users with a dashboard role (biller, analyst, admin) may use the dashboard.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { PracticeUser, PracticeUserStore } from '../../auth/practice-users.js';
import { clientAddress, RateLimited, type SignInLimits } from '../../auth/rate-limits.js';
import { tooManyAttempts } from '../../auth/sign-in-form.js';
import type { SessionClaims, SessionCookies } from '../../auth/session-cookie.js';
import type { Views } from './render.js';

/** Roles that may use the dashboard. */
export const DASHBOARD_ROLES = ['biller', 'analyst', 'admin'];

/** A safe place to go after sign-in: a dashboard path, never another origin. */
export function safeNext(value: unknown): string {
  const ok =
    typeof value === 'string' &&
    !value.includes('..') &&
    /^\/dashboard(\/[A-Za-z0-9/_.-]*)?(\?[A-Za-z0-9=&%._-]*)?$/.test(value);
  return ok ? value : '/dashboard';
}

/** The signed-in user of a request, or null. */
export async function sessionOf(req: Request, sessions: SessionCookies): Promise<SessionClaims | null> {
  return sessions.read(req.headers.cookie);
}

/** Renders the login form with a fresh CSRF token. */
function loginForm(
  res: Response,
  views: Views,
  sessions: SessionCookies,
  data: { next: string; error?: string; username?: string },
  status = 200,
): void {
  const csrf = sessions.loginCsrf();
  res.setHeader('set-cookie', csrf.setCookie);
  res
    .status(status)
    .type('html')
    .send(views.page('login', { ...data, csrf: csrf.token }, { title: 'Sign in' }));
}

type Handler = (req: Request, res: Response, next: NextFunction) => void;

/** POST /login: checks the form's CSRF token, then the password with passport-local; signs in. */
function loginHandler(pp: passport.PassportStatic, sessions: SessionCookies, views: Views): Handler {
  return (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const to = safeNext(body.next);
    if (!sessions.checkLoginCsrf(req.headers.cookie, body._csrf)) {
      const error = 'The form expired. Please sign in again.';
      return loginForm(res, views, sessions, { next: to, error }, 403);
    }
    const cb = (err: unknown, user: PracticeUser | false) => {
      const username = typeof body.username === 'string' ? body.username.slice(0, 100) : '';
      if (err instanceof RateLimited) {
        res.setHeader('retry-after', String(err.retryAfterSeconds));
        return loginForm(res, views, sessions, { next: to, username, error: tooManyAttempts(err) }, 429);
      }
      if (err) return next(err);
      if (!user) {
        return loginForm(
          res,
          views,
          sessions,
          { next: to, username, error: 'Wrong user name or password.' },
          401,
        );
      }
      sessions.issue(user).then(({ setCookie }) => {
        res.setHeader('set-cookie', [setCookie, sessions.clearLoginCsrf()]);
        res.redirect(303, to);
      }, next);
    };
    (pp.authenticate('local', { session: false }, cb) as express.RequestHandler)(req, res, next);
  };
}

/** POST /logout: checks the session's CSRF token and clears the session cookie. */
function logoutHandler(sessions: SessionCookies, views: Views): Handler {
  return (req, res, next) => {
    sessionOf(req, sessions).then((session) => {
      const token = ((req.body ?? {}) as Record<string, unknown>)._csrf;
      if (session && !sessions.checkCsrf(session, token)) {
        const page = views.page(
          'message',
          { heading: 'Forbidden', message: 'The form expired.' },
          { title: 'Forbidden' },
        );
        res.status(403).type('html').send(page);
        return;
      }
      res.setHeader('set-cookie', sessions.clear());
      res.redirect(303, '/dashboard/login');
    }, next);
  };
}

/** The sign-in and sign-out routes. */
export function signInRoutes(
  users: PracticeUserStore,
  sessions: SessionCookies,
  views: Views,
  limits: SignInLimits,
): Router {
  const router = express.Router();
  const pp = new passport.Passport() as passport.PassportStatic;
  pp.use(
    new LocalStrategy({ session: false, passReqToCallback: true }, (req, username, password, done) => {
      limits
        .attempt(username, clientAddress(req), () => users.authenticate(username, password))
        .then(
          (user) => done(null, user ?? false),
          (err: unknown) => done(err),
        );
    }),
  );
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  router.get('/login', (req: Request, res: Response) => {
    loginForm(res, views, sessions, { next: safeNext(req.query.next) });
  });
  router.post('/login', form, loginHandler(pp, sessions, views));
  router.post('/logout', form, logoutHandler(sessions, views));
  return router;
}
