/**
 * The SMART login of /auth and /ehr on the practice's users (practice-users.ts: scrypt hashes) and the
 * signed session cookie (session-cookie.ts). Only clinicians can authorize apps: a user with a SMART role
 * (physician, care-manager or admin; users-file.ts) and a FHIR resource (`fhirUser`): a SMART user is always
 * a Practitioner here. A biller signs in to the dashboard only.
 *
 * The cookie (`ccm_auth`, path `/`) is sent as SameSite=Lax rather than Strict: an app's redirect to
 * /auth/authorize and an EHR launch's round trip through the app are cross-site top-level navigations,
 * on which a Strict cookie is not sent and the user would have to sign in again (RFC 6265bis §5.4.7);
 * the forms that change anything carry their own CSRF values (the login forms a double-submit token in
 * the `ccm_auth_csrf` cookie, SameSite=Strict: it is only needed on the same-origin form post).
 */
import type { Request, Response } from 'express';
import type { PracticeUserStore, PracticeUser as StoredUser } from './practice-users.js';
import { SessionCookies } from './session-cookie.js';
import type { BrowserSessions, PracticeUser, UserDirectory } from './smart-access.js';
import { SMART_ROLES } from './users-file.js';

const COOKIE = 'ccm_auth';

function toUser(u: StoredUser | null | undefined): PracticeUser | null {
  if (!u?.fhirUser || !u.roles.some((r) => SMART_ROLES.includes(r))) return null;
  return {
    username: u.username,
    name: u.displayName,
    fhirUser: u.fhirUser.replace(/^.*\/(\w+\/[^/]+)$/, '$1'),
  };
}

/** The users and browser sessions of the SMART mode, from the practice users and a session key. */
export function practiceLogin(opts: { users: PracticeUserStore; key: Uint8Array; secure: boolean }): {
  users: UserDirectory;
  sessions: BrowserSessions;
} {
  const cookies = new SessionCookies(opts.key, { cookieName: COOKIE, path: '/', secure: opts.secure });
  const lax = (setCookie: string) => setCookie.replace('SameSite=Strict', 'SameSite=Lax');
  const users: UserDirectory = {
    verify: async (username, password) => toUser(await opts.users.authenticate(username, password)),
    find: async (username) => toUser(opts.users.find(username)),
  };
  const sessions: BrowserSessions = {
    read: async (req: Request) => (await cookies.read(req.headers.cookie))?.sub ?? null,
    issue: async (res: Response, username: string) => {
      const user = opts.users.find(username);
      if (!user) throw new Error('signing in an unknown user');
      res.append('set-cookie', lax((await cookies.issue(user)).setCookie));
    },
    clear: (res: Response) => {
      res.append('set-cookie', lax(cookies.clear()));
    },
    loginCsrf: (res: Response) => {
      const { token, setCookie } = cookies.loginCsrf();
      res.append('set-cookie', setCookie);
      return token;
    },
    checkLoginCsrf: (req: Request, token: unknown) => cookies.checkLoginCsrf(req.headers.cookie, token),
  };
  return { users, sessions };
}
