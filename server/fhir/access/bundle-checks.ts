/**
 * Batches and transactions are checked entry by entry (SMART App Launch 2.2 scopes-and-launch-context.html
 * "Batches and Transactions": validated based on the actual requests within them). Write entries are
 * checked here, before anything runs, so that a transaction never half-applies a refused entry; read
 * entries go through the router with the Bundle's access context, like any read.
 */
import type { Bundle, BundleEntry } from 'fhir/r4.js';
import type { FhirRequest } from '../request.js';
import type { FhirServices } from '../services.js';
import type { AccessContext } from './context.js';
import { forbidden } from './errors.js';
import { checkWrite, type WriteIntent } from './write-checks.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The JSON Patch of a PATCH entry (a Binary holding `application/json-patch+json`), if readable. */
function patchOf(entry: BundleEntry): unknown {
  const r = entry.resource as { resourceType?: string; data?: string } | undefined;
  if (r?.resourceType !== 'Binary' || typeof r.data !== 'string') return undefined;
  try {
    return JSON.parse(Buffer.from(r.data, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The write an entry asks for; null for reads; throws 403 for a write the checks cannot place. */
function intentOf(services: FhirServices, entry: BundleEntry, index: number): WriteIntent | null {
  const method = entry.request?.method;
  const rawUrl = entry.request?.url;
  if (!method || !WRITES.has(method) || typeof rawUrl !== 'string') return null;
  const url = rawUrl.startsWith(`${services.baseUrl}/`) ? rawUrl.slice(services.baseUrl.length + 1) : rawUrl;
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).split('/').filter((s) => s !== '');
  const criteria = q < 0 ? undefined : [...new URLSearchParams(url.slice(q + 1)).entries()];
  const [type, id] = path;
  if (method === 'POST' && path.length === 2 && id === '_search') return null;
  if (!type || !services.resourceTypes.has(type) || path.length > 2 || (path.length === 2 && criteria)) {
    throw forbidden(`Bundle.entry[${index}]: ${method} ${rawUrl.slice(0, 100)} cannot be authorized`);
  }
  return {
    method: method as WriteIntent['method'],
    type,
    id,
    criteria,
    ifNoneExist: entry.request?.ifNoneExist,
    body: method === 'PATCH' ? undefined : entry.resource,
    patch: method === 'PATCH' ? patchOf(entry) : undefined,
  };
}

/** Checks every write entry of a batch or transaction Bundle; 403 naming the first refused entry. */
export async function checkBundle(
  services: FhirServices,
  auth: AccessContext,
  req: FhirRequest,
): Promise<void> {
  const bundle = req.body as Bundle | undefined;
  if (typeof bundle !== 'object' || bundle === null || !Array.isArray(bundle.entry)) return;
  for (const [index, entry] of bundle.entry.entries()) {
    const intent = intentOf(services, entry, index);
    if (!intent) continue;
    try {
      await checkWrite(services, auth, intent);
    } catch (err) {
      const e = err as { status?: number; message?: string };
      if (e.status === 403) throw forbidden(`Bundle.entry[${index}]: ${e.message ?? 'not allowed'}`);
      throw err;
    }
  }
}
