/**
 * Getting a SMART Backend Services token from a running server (e2e tests, benchmarks, the importer):
 * discovery at `{base}/.well-known/smart-configuration`, then client_credentials with client_secret_basic
 * (SMART App Launch 2.2 backend-services.html; the demo clients of fixtures/clients.json are demo-only).
 */

/** The demo EHR client (system/*.cruds) and its published demo secret. */
export const DEMO_EHR = { clientId: 'demo-ehr', secret: 'demo-ehr-demo-secret' } as const;
/** The demo analyst client (system/*.rs) and its published demo secret. */
export const DEMO_ANALYST = { clientId: 'demo-analyst', secret: 'demo-analyst-demo-secret' } as const;

/** Returns an access token for `scope` from the server whose FHIR base is `base`. */
export async function getBackendToken(
  base: string,
  clientId: string = DEMO_EHR.clientId,
  secret: string = DEMO_EHR.secret,
  scope = 'system/*.cruds',
): Promise<string> {
  const conf = await fetch(`${base.replace(/\/+$/, '')}/.well-known/smart-configuration`);
  if (!conf.ok) throw new Error(`smart-configuration: ${conf.status}`);
  const { token_endpoint: tokenEndpoint } = (await conf.json()) as { token_endpoint: string };
  const credentials = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString(
    'base64',
  );
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token)
    throw new Error(`token: ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`);
  return body.access_token;
}

/** `Authorization` header value for a token. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
