/**
 * read and vread (R4 http.html#read, #vread), with If-None-Match / If-Modified-Since (http.html#cread).
 */
import type { FhirRequest, FhirResponse } from '../request.js';
import { badRequest, gone, notFound } from '../outcomes.js';
import { etagOf, parseIfNoneMatch } from '../preconditions.js';
import type { FhirServices } from '../services.js';
import { jsonReply } from '../json-reply.js';
import { storedJson, type HistoryDoc, type ResourceDoc } from '../resource-store.js';
import { versionHeaders } from './respond.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Rejects ids that R4 datatypes.html#id does not allow. */
export function checkId(id: string): void {
  if (!ID.test(id))
    throw badRequest(
      `Invalid resource id ${JSON.stringify(id.slice(0, 80))}: ids are 1-64 of A-Z a-z 0-9 - .`,
    );
}

function notModified(req: FhirRequest, vid: number, lu: string): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const versions = parseIfNoneMatch(inm);
    return versions === '*' || versions.includes(vid);
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined) {
    const since = Date.parse(ims);
    // HTTP dates have second precision: compare at that precision.
    return !Number.isNaN(since) && Math.floor(Date.parse(lu) / 1000) * 1000 <= since;
  }
  return false;
}

/** GET [base]/[type]/[id] */
export async function readInteraction(
  services: FhirServices,
  req: FhirRequest,
  type: string,
  id: string,
): Promise<FhirResponse> {
  checkId(id);
  const doc = await services.resources.read(type, id);
  if (!doc) throw notFound(`${type}/${id} is not known`);
  if (doc.deleted) throw gone(`${type}/${id} was deleted`, { etag: etagOf(doc.vid) });
  const headers = versionHeaders(doc.vid, doc.lu);
  if (notModified(req, doc.vid, doc.lu)) return { status: 304, headers };
  return resourceReply(headers, doc);
}

/** A 200 with the version's resource: its stored text when the engine has it, else the object. */
function resourceReply(headers: Record<string, string>, doc: ResourceDoc | HistoryDoc): FhirResponse {
  const json = storedJson(doc);
  return json !== undefined ? jsonReply(200, headers, json) : { status: 200, headers, body: doc.resource };
}

/** GET [base]/[type]/[id]/_history/[vid] */
export async function vreadInteraction(
  services: FhirServices,
  _req: FhirRequest,
  type: string,
  id: string,
  vidText: string,
): Promise<FhirResponse> {
  checkId(id);
  if (!/^[1-9]\d{0,14}$/.test(vidText))
    throw notFound(`${type}/${id} has no version ${JSON.stringify(vidText.slice(0, 40))}`);
  const doc = await services.resources.vread(type, id, Number(vidText));
  if (!doc) throw notFound(`${type}/${id}/_history/${vidText} is not known`);
  if (doc.deleted) throw gone(`${type}/${id} version ${vidText} is a deletion`, { etag: etagOf(doc.vid) });
  return resourceReply(versionHeaders(doc.vid, doc.lu), doc);
}
