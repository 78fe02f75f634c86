/**
 * The size bound of stored documents: MongoDB refuses any BSON document over 16 MiB (its
 * `maxBsonObjectSize`), so a version whose stored form would exceed it is refused up front with a 413
 * OperationOutcome naming the resource, instead of a driver error (a 500) in the middle of a transaction.
 */
import { BSON } from 'mongodb';
import { FhirError, issue, STATUS } from '../../fhir/outcomes.js';

/** MongoDB's BSON document limit (16 MiB). */
export const BSON_MAX_BYTES = 16 * 1024 * 1024;

/** Room kept below the limit for the command envelope and the fields a later write adds. */
export const BSON_MARGIN_BYTES = 64 * 1024;

/** The largest stored document this engine writes. */
export const MAX_STORED_BYTES = BSON_MAX_BYTES - BSON_MARGIN_BYTES;

/** The BSON size of a document, in bytes (computed by the driver's serializer; no server involved). */
export function bsonSize(doc: object): number {
  return BSON.calculateObjectSize(doc as BSON.Document);
}

/**
 * The 413 for a version of `type/id` whose stored documents would be too large, or null when every one
 * fits: `docs` are what the write stores (the current document with its search index, and the history
 * entry as it will hold the body once the version is superseded).
 */
export function oversizeError(
  type: string,
  id: string,
  docs: object[],
  max: number = MAX_STORED_BYTES,
): FhirError | null {
  const largest = Math.max(0, ...docs.map(bsonSize));
  if (largest <= max) return null;
  const mib = (n: number) => (n / (1024 * 1024)).toFixed(2);
  return new FhirError(STATUS.payloadTooLarge, [
    issue(
      'too-long',
      `${type}/${id} would be stored as ${mib(largest)} MiB with its search index; this server stores at ` +
        `most ${mib(max)} MiB per resource (MongoDB's 16 MiB document limit)`,
      type,
    ),
  ]);
}
