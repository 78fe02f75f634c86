/**
 * The Express side of bulk export status and file requests (Bulk Data Access IG 2.0, export.html):
 * [base]/bulk-status/[job] (GET status, DELETE cancel) and [base]/bulk-files/[job]/[file] (NDJSON download,
 * streamed from disk as application/fhir+ndjson). Each request passes the verified token's context
 * (`accessOf`) so that only the client that kicked the job off is served (status.ts). Errors go to the FHIR
 * error handler (OperationOutcome).
 */
import { createReadStream } from 'node:fs';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { FhirServices } from '../fhir/services.js';
import { informational, notFound } from '../fhir/outcomes.js';
import type { BulkRunner } from '../fhir/bulk/runner.js';
import { cancelExport, exportFile, exportStatus } from '../fhir/bulk/status.js';
import { FILES_SEGMENT, STATUS_SEGMENT } from '../fhir/bulk/urls.js';
import { accessOf } from './auth.js';

type Handler = (req: Request, res: Response) => Promise<void>;

const wrap = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

/** The router to mount at /fhir, before the FHIR router. */
export function bulkRouter(services: FhirServices, runner: BulkRunner): Router {
  const router = express.Router();
  router.get(
    `/${STATUS_SEGMENT}/:job`,
    wrap(async (req, res) => {
      // With SMART on, every /fhir request (files included) needs the bearer token: the manifest says so.
      const reply = await exportStatus(services, String(req.params.job), accessOf(req));
      res.status(reply.status).set(reply.headers);
      if (reply.status === 202) {
        res.end();
        return;
      }
      res.type('application/json').send(JSON.stringify(reply.manifest));
    }),
  );
  router.delete(
    `/${STATUS_SEGMENT}/:job`,
    wrap(async (req, res) => {
      await cancelExport(services, runner, String(req.params.job), accessOf(req));
      res.status(202).type('application/fhir+json');
      res.send(
        JSON.stringify(
          informational(`Export job ${String(req.params.job)} cancelled; its files are deleted`),
        ),
      );
    }),
  );
  router.get(
    `/${FILES_SEGMENT}/:job/:file`,
    wrap(async (req, res) => {
      const file = await exportFile(
        services,
        runner,
        String(req.params.job),
        String(req.params.file),
        accessOf(req),
      );
      await new Promise<void>((resolve, reject) => {
        const stream = createReadStream(file);
        stream.once('open', () => {
          res.status(200).type('application/fhir+ndjson');
          stream.pipe(res);
        });
        stream.once('error', (err: NodeJS.ErrnoException) =>
          // MongoDB mode: the job may have been run by another server process, whose disk holds the file.
          reject(
            err.code === 'ENOENT'
              ? notFound('The file is not on this server process (see README: Bulk Data export)')
              : err,
          ),
        );
        res.once('finish', resolve);
        res.once('close', resolve);
      });
    }),
  );
  return router;
}
