/**
 * The Express side of reindex job status requests: [base]/reindex-status/[job] (GET status, DELETE cancel;
 * fhir/reindex/status.ts). Each request passes the verified token's context (`accessOf`) so that only the
 * client that kicked the job off is served. Errors go to the FHIR error handler (OperationOutcome).
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { informational } from '../fhir/outcomes.js';
import { cancelReindex, reindexStatus } from '../fhir/reindex/status.js';
import { REINDEX_STATUS_SEGMENT } from '../fhir/reindex/urls.js';
import type { FhirServices } from '../fhir/services.js';
import { accessOf } from './auth.js';

type Handler = (req: Request, res: Response) => Promise<void>;

const wrap = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

/** The router to mount at /fhir, before the FHIR router. */
export function reindexRouter(services: FhirServices): Router {
  const router = express.Router();
  router.get(
    `/${REINDEX_STATUS_SEGMENT}/:job`,
    wrap(async (req, res) => {
      const reply = await reindexStatus(services, String(req.params.job), accessOf(req));
      res.status(reply.status).set(reply.headers).type('application/fhir+json');
      res.send(JSON.stringify(reply.body));
    }),
  );
  router.delete(
    `/${REINDEX_STATUS_SEGMENT}/:job`,
    wrap(async (req, res) => {
      await cancelReindex(services, String(req.params.job), accessOf(req));
      res.status(202).type('application/fhir+json');
      res.send(JSON.stringify(informational(`Reindex job ${String(req.params.job)} cancelled`)));
    }),
  );
  return router;
}
