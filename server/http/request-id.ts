/**
 * Request ids: taken from a well-formed `X-Request-Id` header or generated, echoed in the response and
 * carried in every log line and every 500 OperationOutcome.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';

const ids = new WeakMap<Request, string>();

/** The request's id (assigned by `assignRequestId`). */
export function requestIdOf(req: Request): string {
  let id = ids.get(req);
  if (!id) {
    id = randomUUID();
    ids.set(req, id);
  }
  return id;
}

/** Middleware: assigns the id and echoes it as `X-Request-Id`. */
export function assignRequestId(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && /^[\w\-.:]{1,128}$/.test(given)) ids.set(req, given);
  res.setHeader('x-request-id', requestIdOf(req));
  next();
}
