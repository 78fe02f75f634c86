/**
 * The machine's ceiling for the benchmarks: a bare Express 5 handler answering a fixed JSON body from
 * memory, started as its own process on 127.0.0.1. Prints "listening <port>" once ready.
 */
import express from 'express';

const body =
  process.env.CEILING_BODY ?? JSON.stringify({ resourceType: 'Observation', id: 'x', status: 'final' });
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
