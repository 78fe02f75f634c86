/**
 * The machine's ceiling for moving a large body: a bare Express 5 handler answering the bytes of a file
 * (CEILING_FILE) from memory, as its own process on 127.0.0.1. bench/ccm-billing-report.ts serves the very
 * Bundle the report produced, to separate the report's own cost from transferring tens of megabytes.
 * Prints "listening <port>" once ready.
 */
import { readFileSync } from 'node:fs';
import express from 'express';

const body = readFileSync(process.env.CEILING_FILE as string, 'utf8');
const app = express();
app.get('/*splat', (_req, res) => {
  res.setHeader('content-type', 'application/fhir+json; charset=utf-8');
  res.send(body);
});
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
