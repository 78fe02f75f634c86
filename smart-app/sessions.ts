/**
 * Server-side sessions of the clinician app. The browser holds only a random session id in an httpOnly,
 * SameSite=Lax cookie; everything else (pending authorizations, tokens, per-launch state) stays here. One
 * session holds any number of launches, each under its own key (one per tab), so two tabs with two
 * patients never share a patient, a CSRF token, a flash message or a running timer.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { fhirclient } from 'fhirclient/lib/types.js';
import type { Flash, LaunchContext } from './context.js';
import type { CcmToken } from './ehr/exchange.js';

/** An authorization request on its way (SMART App Launch 2.2 app-launch.html, step "Obtain authorization code"). */
export interface PendingAuthorization {
  /** The launch key the tab will use once authorized. */
  key: string;
  /** fhirclient's state for this request (PKCE verifier, token endpoint, client credentials). */
  state: fhirclient.ClientState;
  createdAt: number;
}

/** One authorized launch (one tab). */
export interface LaunchRecord {
  context: LaunchContext;
  /** fhirclient's client state at the launching EHR: tokens and endpoints (never sent to the browser). */
  client: fhirclient.ClientState;
  /** The ccm-fhir token from the token exchange, when another EHR launched the app (never sent to the browser). */
  ccm?: CcmToken;
  /** A token renewal in progress (one at a time per launch: refresh tokens rotate). */
  renewing?: Promise<unknown>;
  csrf: string;
  flash: Flash[];
  store: Map<string, unknown>;
  /** What the patient banner shows (read once after the launch). */
  patient?: PatientSummary;
}

/** The patient banner's facts. */
export interface PatientSummary {
  name: string;
  birthDate?: string;
  gender?: string;
  mrn?: string;
}

/** One browser session. */
export interface AppSession {
  id: string;
  pending: Map<string, PendingAuthorization>;
  launches: Map<string, LaunchRecord>;
  touchedAt: number;
}

/** Random URL-safe token of `bytes` bytes (32 bytes = 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Compares two secrets in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const COOKIE = 'ccm_app_sid';
/** Pending authorizations older than this are refused (the user took too long at the EHR). */
const PENDING_MS = 10 * 60 * 1000;
const MAX_PENDING = 20;

/** The in-memory session store (single process; see README for several processes). */
export class SessionStore {
  private readonly sessions = new Map<string, AppSession>();

  constructor(
    private readonly opts: {
      idleMs: number;
      now: () => number;
      secure: boolean;
      /**
       * The app is framed by another site's EHR (HTTPS only): the cookie must be SameSite=None to be sent
       * inside a cross-site iframe, and Partitioned so browsers that block third-party cookies keep it
       * (per top-level site).
       */
      crossSiteFrame?: boolean;
    },
  ) {}

  /** The live session of a request, or undefined (no cookie, unknown, or idle too long). */
  find(req: Request): AppSession | undefined {
    const id = cookieOf(req, COOKIE);
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = this.opts.now();
    if (now - s.touchedAt > this.opts.idleMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.touchedAt = now;
    return s;
  }

  /** The request's session, or a new one with its cookie set on the response. */
  ensure(req: Request, res: Response): AppSession {
    const found = this.find(req);
    if (found) return found;
    this.sweep();
    const s: AppSession = {
      id: randomToken(),
      pending: new Map(),
      launches: new Map(),
      touchedAt: this.opts.now(),
    };
    this.sessions.set(s.id, s);
    res.cookie(COOKIE, s.id, {
      httpOnly: true,
      ...(this.opts.crossSiteFrame && this.opts.secure
        ? { sameSite: 'none' as const, partitioned: true }
        : { sameSite: 'lax' as const }),
      secure: this.opts.secure,
      path: '/app',
      maxAge: this.opts.idleMs,
    });
    return s;
  }

  /** Records a pending authorization under its `state`; the oldest beyond a small limit are dropped. */
  addPending(s: AppSession, stateKey: string, p: PendingAuthorization): void {
    s.pending.set(stateKey, p);
    while (s.pending.size > MAX_PENDING) s.pending.delete(s.pending.keys().next().value as string);
  }

  /** Takes (once) the pending authorization of a `state`, when it exists and is recent enough. */
  takePending(s: AppSession, stateKey: string): PendingAuthorization | undefined {
    const p = s.pending.get(stateKey);
    s.pending.delete(stateKey);
    if (!p || this.opts.now() - p.createdAt > PENDING_MS) return undefined;
    return p;
  }

  /** Drops idle sessions. */
  private sweep(): void {
    const now = this.opts.now();
    for (const [id, s] of this.sessions) if (now - s.touchedAt > this.opts.idleMs) this.sessions.delete(id);
  }
}

/** A cookie value from the Cookie header (no parser dependency). */
export function cookieOf(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
