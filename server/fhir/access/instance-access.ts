/**
 * Whether a token may read one resource instance, whatever state it is in (R4 security.html#AccessDenied:
 * what the token may not read is "not known", 404). A deleted resource is judged by its last version with
 * content, so that the history of another patient's deleted resource is 404 like the resource was; the
 * checks that need other resources (Binary securityContext, reach.ts) are made here too.
 */
import type { Resource } from 'fhir/r4.js';
import type { ResourceDoc } from '../resource-store.js';
import type { FhirServices } from '../services.js';
import type { AccessContext } from './context.js';
import { allowsInstance, READ_PERMS, ruleFor } from './policy.js';

/** The newest version of a deleted resource that has content, if any. */
export async function lastContent(
  services: FhirServices,
  type: string,
  doc: ResourceDoc,
): Promise<Resource | undefined> {
  for (let vid = doc.vid - 1; vid >= 1; vid--) {
    const h = await services.resources.vread(type, doc._id, vid);
    if (h && !h.deleted && h.resource) return h.resource;
  }
  return undefined;
}

/**
 * 'absent' when `type/id` never existed (the interaction answers 404 itself), else whether `auth` may
 * read it: its current content, or for a deleted resource its last content.
 */
export async function instanceReadable(
  services: FhirServices,
  auth: AccessContext,
  type: string,
  id: string,
): Promise<'absent' | boolean> {
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return 'absent';
  const doc = await services.resources.read(type, id);
  if (!doc) return 'absent';
  const rule = ruleFor(services, auth, type, READ_PERMS);
  if (rule.kind !== 'some') return rule.kind === 'all';
  const content = doc.deleted || !doc.resource ? await lastContent(services, type, doc) : doc.resource;
  return content !== undefined && (await allowsInstance(services, auth, rule, content));
}
