/**
 * Replies whose FHIR JSON body is already text (a stored version, a searchset spliced from stored
 * versions): the HTTP adapter sends the text as it is, without parsing and serialising it again. To every
 * other reader the reply is an ordinary FhirResponse whose `body` is the parsed object (parsed on first
 * read). The text is only sent while nothing has read or replaced `body`: a reply that was inspected (the
 * access filter of operation results, a Bundle entry) or rebuilt (`{ ...res, body }`, which is a new object)
 * is serialised from its object as before, so that no change to the body is ever lost.
 */
import type { FhirResponse } from './request.js';

/** The text and state of a reply's body, in a property that copies leave out. */
const TEXT = Symbol('serialised body');

interface Text {
  json: string;
  get: () => unknown;
  /** Read or replaced: the text no longer speaks for `body`. */
  used: boolean;
}

/** A reply with the FHIR JSON body `json` (which must be JSON.stringify's text of the body). */
export function jsonReply(status: number, headers: Record<string, string>, json: string): FhirResponse {
  const res = { status, headers } as FhirResponse;
  let value: unknown;
  const state: Text = {
    json,
    used: false,
    get: () => {
      if (!state.used) {
        value = JSON.parse(json);
        state.used = true;
      }
      return value;
    },
  };
  Object.defineProperty(res, 'body', {
    enumerable: true,
    configurable: true,
    get: state.get,
    set(v: unknown) {
      value = v;
      state.used = true;
    },
  });
  // not enumerable: `{ ...res }` and Object.assign leave it out
  Object.defineProperty(res, TEXT, { value: state });
  return res;
}

/** The body text of a `jsonReply` that nothing has read or replaced; undefined for any other reply. */
export function untouchedJson(res: FhirResponse): string | undefined {
  const t = (res as { [TEXT]?: Text })[TEXT];
  if (t === undefined || t.used) return undefined;
  // removed or redefined since: the text no longer describes `body`
  return Object.getOwnPropertyDescriptor(res, 'body')?.get === t.get ? t.json : undefined;
}
