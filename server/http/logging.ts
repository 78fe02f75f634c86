/**
 * One JSON log line per request (pino): request id, method, path, status and duration. Bodies, query
 * values and Authorization headers are never logged.
 */
import type { Request, Response, NextFunction } from 'express';
import type { Logger } from 'pino';
import { requestIdOf } from './request-id.js';

/** The request's full path without its query string (query values can hold identifiers). */
export function loggedPath(req: Request): string {
  return req.originalUrl.split('?')[0].slice(0, 500);
}

/** Middleware logging each request when its response finishes. */
export function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : 'info';
      logger[level](
        {
          reqId: requestIdOf(req),
          method: req.method,
          path: loggedPath(req),
          status: res.statusCode,
          ms: Math.round(ms * 100) / 100,
        },
        'request',
      );
    });
    next();
  };
}
