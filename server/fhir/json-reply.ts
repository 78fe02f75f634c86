/**
 * Replies whose FHIR JSON body is already text (a stored version, a searchset spliced from stored
 * versions): the HTTP adapter sends the text as it is, without parsing and serialising it again. To every
 * other reader the reply is an ordinary FhirResponse whose `body` is the parsed object (parsed on first
 * read). The text is only sent while nothing has read or replaced `body`: a reply that was inspected (the
 * access filter of operation results, a Bundle entry) or rebuilt (`{ ...res, body }`, which is a new object)
 * is serialised from its object as before, so that no change to the body is ever lost.
 */
import type { FhirResponse } from './request.js';

const texts = new WeakMap<FhirResponse, { json: string; get: () => unknown }>();

/** A reply with the FHIR JSON body `json` (which must be JSON.stringify's text of the body). */
export function jsonReply(status: number, headers: Record<string, string>, json: string): FhirResponse {
  const res = { status, headers } as FhirResponse;
  let value: unknown;
  let parsed = false;
  const get = (): unknown => {
    if (!parsed) {
      value = JSON.parse(json);
      parsed = true;
      texts.delete(res);
    }
    return value;
  };
  Object.defineProperty(res, 'body', {
    enumerable: true,
    configurable: true,
    get,
    set(v: unknown) {
      value = v;
      parsed = true;
      texts.delete(res);
    },
  });
  texts.set(res, { json, get });
  return res;
}

/** The body text of a `jsonReply` that nothing has read or replaced; undefined for any other reply. */
export function untouchedJson(res: FhirResponse): string | undefined {
  const t = texts.get(res);
  if (t === undefined) return undefined;
  // removed or redefined since: the text no longer describes `body`
  return Object.getOwnPropertyDescriptor(res, 'body')?.get === t.get ? t.json : undefined;
}
