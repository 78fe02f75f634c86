/**
 * patch with JSON Patch (RFC 6902) bodies, `application/json-patch+json` (R4 http.html#patch).
 * The patched result is validated like any update and written with compare-and-set on the version read.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { Resource } from 'fhir/r4.js';
import type { FhirRequest, FhirResponse } from '../request.js';
import {
  badRequest,
  gone,
  invalidResource,
  issue,
  notFound,
  preconditionFailed,
  unprocessable,
} from '../outcomes.js';
import { parseVersionEtag } from '../preconditions.js';
import { StaleVersion } from '../resource-store.js';
import type { FhirServices } from '../services.js';
import { checkId } from './read.js';
import { writeReply } from './respond.js';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Checks that the body is a JSON Patch document; 400 naming the first malformed operation. */
export function patchOperations(body: unknown): Operation[] {
  if (!Array.isArray(body))
    throw badRequest('A JSON Patch body must be an array of operations', undefined, 'structure');
  body.forEach((op: unknown, i) => {
    const o = op as { op?: unknown; path?: unknown } | null;
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.op !== 'string' ||
      !OPS.has(o.op) ||
      typeof o.path !== 'string'
    ) {
      throw badRequest(
        `JSON Patch operation ${i} needs an "op" (add, remove, replace, move, copy, test) and a "path"`,
      );
    }
  });
  return body as Operation[];
}

/** Applies the operations to a copy of `resource`; 422 when an operation cannot apply (RFC 5789 §2.2). */
function applyOperations(resource: Resource, ops: Operation[]): unknown {
  try {
    return jsonpatch.applyPatch(jsonpatch.deepClone(resource), ops, true, false).newDocument;
  } catch (err) {
    const e = err as { message?: string; index?: number };
    const where = typeof e.index === 'number' ? `operation ${e.index}` : 'the patch';
    throw unprocessable([
      issue('processing', `Cannot apply ${where}: ${(e.message ?? 'failed').split('\n')[0]}`),
    ]);
  }
}

/** Applies JSON Patch operations to the current resource and validates the result like an update. */
export function patchedResource(
  services: FhirServices,
  type: string,
  id: string,
  current: Resource,
  ops: Operation[],
): Resource {
  const patched = applyOperations(current, ops) as Resource;
  if (typeof patched !== 'object' || patched === null || patched.resourceType !== type || patched.id !== id) {
    throw unprocessable([issue('processing', 'A patch must not change resourceType or id')]);
  }
  const issues = services.validate(patched, type);
  if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) throw invalidResource(issues);
  return patched;
}

/** PATCH [base]/[type]/[id] */
export async function patchInteraction(
  services: FhirServices,
  req: FhirRequest,
  type: string,
  id: string,
): Promise<FhirResponse> {
  checkId(id);
  const ops = patchOperations(req.body);
  const clientIfMatch =
    req.headers['if-match'] === undefined ? undefined : parseVersionEtag(req.headers['if-match'], 'If-Match');
  for (let attempt = 0; ; attempt++) {
    const cur = await services.resources.read(type, id);
    if (!cur) throw notFound(`${type}/${id} is not known`);
    if (cur.deleted || !cur.resource) throw gone(`${type}/${id} was deleted`);
    if (clientIfMatch !== undefined && clientIfMatch !== cur.vid) {
      throw preconditionFailed(
        `If-Match version ${clientIfMatch} does not match ${type}/${id} (current: ${cur.vid})`,
      );
    }
    const patched = patchedResource(services, type, id, cur.resource, ops);
    try {
      const r = await services.resources.put(type, id, patched, { method: 'PATCH', ifMatch: cur.vid });
      return writeReply(services, req, type, r.doc, 200, `Patched ${type}/${id}`);
    } catch (err) {
      // Someone wrote in between: with the client's If-Match that is a 412, otherwise patch the new version.
      if (!(err instanceof StaleVersion) || clientIfMatch !== undefined || attempt >= 20) {
        if (err instanceof StaleVersion)
          throw preconditionFailed(`${type}/${id} changed while it was being patched`);
        throw err;
      }
    }
  }
}
