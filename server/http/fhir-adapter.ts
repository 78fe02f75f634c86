/**
 * The FHIR request/response adapter: the only FHIR code that knows Express. It reads the raw body
 * (with the size limit), negotiates formats, parses JSON with a clear error, builds a FhirRequest,
 * routes it and writes the FhirResponse.
 */
import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import { badRequest, FhirError } from '../fhir/outcomes.js';
import { untouchedJson } from '../fhir/json-reply.js';
import { route } from '../fhir/router.js';
import type { FhirServices } from '../fhir/services.js';
import { checkBodyType, mayAnswerOtherFormat, mediaType, responseType } from './negotiation.js';
import { accessOf } from './auth.js';
import { requestIdOf } from './request-id.js';

/** Decodes path segments below the mount point; 400 for malformed percent-encoding. */
function segmentsOf(path: string): string[] {
  try {
    return path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest('Malformed percent-encoding in the URL path');
  }
}

/** Query parameters in order with repeats, from the raw URL (Express's parsed query loses order). */
function queryOf(url: string): Array<[string, string]> {
  const q = url.indexOf('?');
  if (q < 0) return [];
  try {
    return [...new URLSearchParams(url.slice(q + 1)).entries()];
  } catch {
    throw badRequest('Malformed query string');
  }
}

/** Parses the raw body according to its media type. */
function bodyOf(req: Request, segments: string[]): { body?: unknown; contentType?: string } {
  const raw = req.body as unknown;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return {};
  const type = mediaType(req.headers['content-type']);
  const kind = checkBodyType(req.method, type, segments[segments.length - 1] === '_search');
  const text = raw.toString('utf8');
  if (kind === 'form') return { body: text, contentType: type };
  try {
    return { body: JSON.parse(text) as unknown, contentType: type };
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'unparseable';
    throw badRequest(`The body is not valid JSON: ${detail.slice(0, 200)}`, undefined, 'structure');
  }
}

/** Builds the FhirRequest for an Express request. */
export function toFhirRequest(req: Request): FhirRequest {
  const segments = segmentsOf(req.path);
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return {
    method: req.method,
    segments,
    query: queryOf(req.originalUrl),
    headers,
    requestId: requestIdOf(req),
    auth: accessOf(req),
    ...bodyOf(req, segments),
  };
}

/** Writes a FhirResponse in the negotiated media type, pretty-printed with `_pretty=true`. */
export function sendFhir(res: Response, fhirRes: FhirResponse, type: string, pretty: boolean): void {
  res.status(fhirRes.status);
  for (const [k, v] of Object.entries(fhirRes.headers)) res.setHeader(k, v);
  if (fhirRes.body === undefined || fhirRes.status === 304 || fhirRes.status === 204) {
    res.end();
    return;
  }
  res.setHeader('content-type', `${type}; charset=utf-8`);
  res.send(JSON.stringify(fhirRes.body, null, pretty ? 2 : undefined));
}

/** The negotiated response type and pretty flag of a request (406 when nothing acceptable). */
export function outputOf(req: Request): { type: string; pretty: boolean } {
  const query = queryOf(req.originalUrl);
  const format = query.find(([k]) => k === '_format')?.[1];
  const pretty = query.find(([k]) => k === '_pretty')?.[1] === 'true';
  return { type: responseType(format, req.headers.accept), pretty };
}

/**
 * Like outputOf, but a GET operation asking for a format other than JSON gets to answer first (it may
 * produce that format itself, e.g. CSV); its 406 is returned only if it answers in JSON after all.
 */
function outputOrDeferred(req: Request): { type: string; pretty: boolean } | { notAcceptable: unknown } {
  try {
    return outputOf(req);
  } catch (err) {
    if (err instanceof FhirError && err.status === 406 && mayAnswerOtherFormat(req.method, req.path)) {
      return { notAcceptable: err };
    }
    throw err;
  }
}

/** Writes an already serialised FHIR JSON body (FhirResponse.json, a jsonReply) in the negotiated media type. */
function sendSerialized(
  res: Response,
  fhirRes: FhirResponse,
  json: string,
  type: string,
  pretty: boolean,
): void {
  res.status(fhirRes.status);
  for (const [k, v] of Object.entries(fhirRes.headers)) res.setHeader(k, v);
  res.setHeader('content-type', `${type}; charset=utf-8`);
  res.send(pretty ? JSON.stringify(JSON.parse(json), null, 2) : json);
}

/** Writes a non-JSON body (FhirResponse.text) with its own content type. */
function sendText(res: Response, fhirRes: FhirResponse): void {
  res.status(fhirRes.status);
  for (const [k, v] of Object.entries(fhirRes.headers)) res.setHeader(k, v);
  res.send(fhirRes.text);
}

/** The Express router serving the FHIR REST API below its mount point. */
export function fhirRouter(services: FhirServices, bodyLimitBytes: number): Router {
  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: bodyLimitBytes }));
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const output = outputOrDeferred(req);
      const fhirReq = toFhirRequest(req);
      const fhirRes = await route(services, fhirReq);
      if (fhirRes.text !== undefined) return sendText(res, fhirRes);
      if ('notAcceptable' in output) throw output.notAcceptable;
      const json = fhirRes.json ?? untouchedJson(fhirRes);
      if (json !== undefined) return sendSerialized(res, fhirRes, json, output.type, output.pretty);
      sendFhir(res, fhirRes, output.type, output.pretty);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
