/**
 * FhirApi over HTTP for one launch: the access token of the launch goes only to the launch's FHIR server
 * (`serverUrl`), paging links pointing elsewhere are not followed, and an expired token is refreshed first
 * (SMART App Launch 2.2 app-launch.html "Refresh access token"). Refusals become FhirWriteError with the
 * server's OperationOutcome; read failures become FhirReadError (shown as an error page).
 */
import type { Bundle, OperationOutcome, Resource } from 'fhir/r4.js';
import type { fhirclient } from 'fhirclient/lib/types.js';
import { FhirWriteError, type FhirApi } from './context.js';
import { refreshToken } from './refresh.js';

const TIMEOUT_MS = 20000;
const JSON_TYPE = 'application/fhir+json';

/** Which of a launch's two FHIR servers a call went to: the launching EHR, or ccm-fhir (the CCM record). */
export type ServerRole = 'ehr' | 'ccm';

/** A read or search the FHIR server did not answer with success. */
export class FhirReadError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The server that failed, when the launch has two (undefined: the one server that launched the app). */
    readonly server?: ServerRole,
  ) {
    super(message);
    this.name = 'FhirReadError';
  }
}

/** An OperationOutcome made from a transport failure or a non-FHIR error body. */
export function outcomeOf(text: string, code: 'exception' | 'processing' = 'exception'): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: text }] };
}

/** The body of a response as an OperationOutcome (the server's, or one made from its status). */
async function refusal(res: Response): Promise<OperationOutcome> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as Resource;
    if (body.resourceType === 'OperationOutcome') return body as OperationOutcome;
  } catch {
    // not JSON: fall through
  }
  return outcomeOf(`The FHIR server answered ${res.status} ${res.statusText}`.trim(), 'processing');
}

/** The launch's client state, read and replaced through these callbacks (refresh rotates tokens). */
export interface TokenHolder {
  get(): fhirclient.ClientState;
  set(state: fhirclient.ClientState): void;
  now(): number;
}

/** Where a FhirApi sends its calls and the bearer token it sends there. */
export interface TokenSource {
  /** The FHIR base URL (the token goes nowhere else). */
  serverUrl(): string;
  /** A current access token (renewed first when about to expire); throws FhirReadError(401) when none. */
  accessToken(): Promise<string>;
  /** Which server this is, when the launch has two. */
  role?: ServerRole;
}

/** The token source of a SMART launch's client state: refreshed when about to expire and a refresh token is held. */
export function launchTokens(holder: TokenHolder, role?: ServerRole): TokenSource {
  return {
    role,
    serverUrl: () => holder.get().serverUrl,
    async accessToken() {
      let state = holder.get();
      const expiresAt = state.expiresAt ?? Number.POSITIVE_INFINITY;
      if (expiresAt * 1000 - 30000 < holder.now() && state.tokenResponse?.refresh_token) {
        state = await refreshToken(state);
        holder.set(state);
      }
      const t = state.tokenResponse?.access_token;
      if (!t)
        throw new FhirReadError(
          401,
          'The launch has no access token: launch the app again from the EHR.',
          role,
        );
      return t;
    },
  };
}

/** FhirApi over HTTP for one launch (see the file comment). */
export class HttpFhirApi implements FhirApi {
  constructor(private readonly tokens: TokenSource) {}

  private base(): string {
    return this.tokens.serverUrl().replace(/\/+$/, '');
  }

  /** The access token; a renewal failure keeps its status and names this server. */
  private async token(): Promise<string> {
    try {
      return await this.tokens.accessToken();
    } catch (err) {
      if (err instanceof FhirReadError && err.server === undefined && this.tokens.role)
        throw new FhirReadError(err.status, err.message, this.tokens.role);
      throw err;
    }
  }

  /** One request to the launch's FHIR server (never elsewhere: the token goes only there). */
  private async call(method: string, url: string, body?: unknown, extra: Record<string, string> = {}) {
    const base = this.base();
    if (!url.startsWith(`${base}/`) && url !== base)
      throw new FhirReadError(400, 'URL outside the FHIR server', this.tokens.role);
    const headers: Record<string, string> = {
      accept: JSON_TYPE,
      authorization: `Bearer ${await this.token()}`,
      ...extra,
    };
    if (body !== undefined) headers['content-type'] = JSON_TYPE;
    return fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  }

  private async readJson<T>(url: string): Promise<T> {
    let res: Response;
    try {
      res = await this.call('GET', url);
    } catch (err) {
      if (err instanceof FhirReadError) throw err;
      throw new FhirReadError(0, 'The FHIR server could not be reached.', this.tokens.role);
    }
    if (!res.ok) {
      const outcome = await refusal(res);
      throw new FhirReadError(
        res.status,
        outcome.issue.map((i) => i.diagnostics ?? i.code).join('; '),
        this.tokens.role,
      );
    }
    return (await res.json()) as T;
  }

  private async write<T>(method: string, url: string, body: unknown, extra: Record<string, string> = {}) {
    let res: Response;
    try {
      res = await this.call(method, url, body, { prefer: 'return=representation', ...extra });
    } catch (err) {
      if (err instanceof FhirReadError)
        throw new FhirWriteError(err.status, outcomeOf(err.message), this.tokens.role);
      throw new FhirWriteError(
        0,
        outcomeOf('The FHIR server could not be reached; nothing was saved.'),
        this.tokens.role,
      );
    }
    if (!res.ok) throw new FhirWriteError(res.status, await refusal(res), this.tokens.role);
    const text = await res.text();
    return (text ? JSON.parse(text) : body) as T;
  }

  /** GET [type]/[id]. */
  read<T extends Resource>(type: T['resourceType'], id: string): Promise<T> {
    return this.readJson<T>(`${this.base()}/${type}/${encodeURIComponent(id)}`);
  }

  /** GET [type]?params, following `next` links on the same server up to `max` resources. */
  async search<T extends Resource>(type: T['resourceType'], params: Record<string, string>, max = 1000) {
    const out: T[] = [];
    const base = this.base();
    let url: string | undefined = `${base}/${type}?${new URLSearchParams(params).toString()}`;
    while (url && out.length < max) {
      const bundle: Bundle = await this.readJson<Bundle>(url);
      for (const e of bundle.entry ?? [])
        if (e.resource?.resourceType === type && e.search?.mode !== 'include') out.push(e.resource as T);
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      url = next && next.startsWith(`${base}/`) ? next : undefined;
    }
    return out.slice(0, max);
  }

  /** POST [type]. */
  create<T extends Resource>(resource: T): Promise<T> {
    return this.write<T>('POST', `${this.base()}/${resource.resourceType}`, resource);
  }

  /** PUT [type]/[id], with If-Match when a version is given. */
  update<T extends Resource>(resource: T, versionId?: string): Promise<T> {
    const url = `${this.base()}/${resource.resourceType}/${encodeURIComponent(resource.id ?? '')}`;
    return this.write<T>('PUT', url, resource, versionId ? { 'if-match': `W/"${versionId}"` } : {});
  }

  /** POST [base] with a transaction Bundle. */
  transaction(bundle: Bundle): Promise<Bundle> {
    return this.write<Bundle>('POST', this.base(), bundle);
  }

  /** GET an operation; undefined when the server does not offer it (400/404/405/501). */
  async operation<T extends Resource>(path: string): Promise<T | undefined> {
    try {
      return await this.readJson<T>(`${this.base()}/${path.replace(/^\/+/, '')}`);
    } catch (err) {
      if (err instanceof FhirReadError && [400, 404, 405, 501].includes(err.status)) return undefined;
      throw err;
    }
  }
}

/** Builds the FhirApi of a launch: over its SMART client state, or over any token source. */
export function httpFhirApi(source: TokenHolder | TokenSource): FhirApi {
  return new HttpFhirApi('accessToken' in source ? source : launchTokens(source));
}
