/**
 * The browser's part of the SMART authorization code flow against an in-process test app, step by
 * step as a browser does it: authorize (GET or POST) → 303 to the interaction → login form → consent
 * form (with its csrf field, a patient when asked) → 302 back to the app's redirect URI.
 */
import request from 'supertest';
import type { Express } from 'express';
import { pathOf, pkce, TEST_REDIRECT, TEST_USERS } from './smart-app.js';
import { TEST_BASE } from './test-app.js';

type Agent = ReturnType<typeof request.agent>;

/** Authorization request parameters (strings only). */
export type AuthParams = Record<string, string>;

/** Standard parameters for a client, with a fresh PKCE pair and state. */
export function authParams(clientId: string, scope: string, extra: AuthParams = {}) {
  const { verifier, challenge } = pkce();
  const state = `st-${Math.random().toString(36).slice(2)}${Date.now()}`;
  const params: AuthParams = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: TEST_REDIRECT,
    scope,
    state,
    aud: TEST_BASE,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
  return { params, verifier, state };
}

/** Sends the authorization request (GET with a query, or POST with a form: authorize-post). */
export async function sendAuthorize(agent: Agent, params: AuthParams, method: 'GET' | 'POST' = 'GET') {
  if (method === 'GET')
    return agent.get(`/auth/authorize?${new URLSearchParams(params).toString()}`).redirects(0);
  return agent.post('/auth/authorize').type('form').send(params).redirects(0);
}

/** The value of a hidden input in a page. */
export function hiddenField(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

/** Signs in on the login page at `interactionPath` (its form's CSRF token and cookie, as a browser). */
export async function signIn(agent: Agent, interactionPath: string, user = TEST_USERS[0]) {
  const page = await agent.get(interactionPath);
  const res = await agent
    .post(`${interactionPath}/login`)
    .type('form')
    .send({ _csrf: hiddenField(page.text, '_csrf') ?? '', username: user.username, password: user.password })
    .redirects(0);
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
}

/** Runs the whole browser flow; returns the final redirect's parameters. */
export async function browserAuthorize(
  app: Express,
  params: AuthParams,
  opts: { method?: 'GET' | 'POST'; patient?: string; decision?: 'approve' | 'deny'; agent?: Agent } = {},
): Promise<{ location: string; query: URLSearchParams; agent: Agent }> {
  const agent = opts.agent ?? request.agent(app);
  const start = await sendAuthorize(agent, params, opts.method);
  if (start.status !== 303)
    throw new Error(
      `authorize answered ${start.status}: ${start.headers.location ?? start.text.slice(0, 300)}`,
    );
  const interaction = pathOf(start.headers.location as string);
  let page = await agent.get(interaction);
  if (page.text.includes('name="password"')) {
    await signIn(agent, interaction);
    page = await agent.get(interaction);
  }
  const form: Record<string, string> = {
    csrf: hiddenField(page.text, 'csrf') ?? '',
    decision: opts.decision ?? 'approve',
  };
  if (opts.patient) form.patient = opts.patient;
  const done = await agent.post(`${interaction}/consent`).type('form').send(form).redirects(0);
  if (done.status !== 302) throw new Error(`consent answered ${done.status}: ${done.text.slice(0, 300)}`);
  const location = done.headers.location as string;
  return { location, query: new URL(location).searchParams, agent };
}

/** Exchanges a code at the token endpoint. */
export function exchange(app: Express, form: Record<string, string>, auth?: string) {
  const req = request(app).post('/auth/token').type('form');
  if (auth) req.set('authorization', auth);
  return req.send({ grant_type: 'authorization_code', ...form });
}
