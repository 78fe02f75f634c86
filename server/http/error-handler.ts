/**
 * The FHIR error handler: every failure becomes an OperationOutcome with the status from the outcomes
 * table. Body-parser failures (size, encoding) are client errors; anything unknown is a logged 500
 * `exception` that names only the request id. The log line names the path, never the query string (search
 * values hold identifiers).
 */
import type { Request, Response, NextFunction } from 'express';
import type { Logger } from 'pino';
import { FhirError, issue, payloadTooLarge, serverError, unavailable } from '../fhir/outcomes.js';
import { StoreUnavailableError } from '../storage/store-unavailable.js';
import { outputOf, sendFhir } from './fhir-adapter.js';
import { loggedPath } from './logging.js';
import { requestIdOf } from './request-id.js';

interface HttpishError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

/** Maps a thrown value to a FhirError, logging the unexpected ones. */
export function toFhirError(err: unknown, req: Request, logger: Logger): FhirError {
  if (err instanceof FhirError) return err;
  const e = (err ?? {}) as HttpishError;
  if (e.type === 'entity.too.large') return payloadTooLarge(`The body exceeds the limit of this server`);
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    return new FhirError(e.status, [issue('invalid', e.message ?? 'Bad request')]);
  }
  const requestId = requestIdOf(req);
  if (err instanceof StoreUnavailableError) {
    logger.warn({ err, reqId: requestId }, 'write refused: store unavailable');
    return unavailable(err.clientMessage, err.retryAfterSeconds);
  }
  logger.error({ err, reqId: requestId, method: req.method, path: loggedPath(req) }, 'unhandled error');
  return serverError(requestId);
}

/** Express error middleware for the FHIR endpoint. */
export function fhirErrorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const fe = toFhirError(err, req, logger);
    let output = { type: 'application/fhir+json', pretty: false };
    try {
      output = outputOf(req);
    } catch {
      // The error may itself be about the format: answer in FHIR JSON.
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendFhir(res, { status: fe.status, headers: fe.headers, body: fe.outcome }, output.type, output.pretty);
  };
}
