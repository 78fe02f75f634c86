/**
 * On a fresh data directory `npm start` serves GET /fhir/metadata with no other service running, loads the
 * demo practice, and shuts down gracefully on SIGTERM. How fast it starts is measured by `npm run bench`
 * (cold start), never asserted here: a timed assertion only measures how busy the machine is.
 */
import { afterAll, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killLeftovers, startServer, type ServerProcess } from '../helpers/server-process.js';

const dirs: string[] = [];
const procs: ServerProcess[] = [];
afterAll(() => {
  killLeftovers(procs);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('npm start serves the CapabilityStatement on an empty DATA_DIR, with the demo practice', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-start-'));
  dirs.push(dir);
  const t0 = Date.now();
  const server = await startServer(
    { DATA_DIR: dir },
    { command: 'npm', args: ['start', '--silent'], detached: true },
  );
  procs.push(server);
  const res = await fetch(`${server.base}/metadata`);
  const elapsed = Date.now() - t0;
  expect(res.status).toBe(200);
  const cs = (await res.json()) as { resourceType: string };
  expect(cs.resourceType).toBe('CapabilityStatement');
  process.stdout.write(`start-up to first CapabilityStatement: ${elapsed} ms\n`);
  const patient = await fetch(`${server.base}/Patient/demo-patient-1`, { headers: server.auth });
  expect(patient.status).toBe(200);
  // The server process always enforces SMART: no token, no data (the CapabilityStatement stays public).
  expect((await fetch(`${server.base}/Patient/demo-patient-1`)).status).toBe(401);
  expect(server.output()).toContain('/fhir/metadata');
  process.kill(-(server.child.pid as number), 'SIGTERM');
  await server.exited;
});

test('SIGTERM drains: in-flight writes finish and persist, the process exits 0; DEMO_DATA=false loads nothing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-stop-'));
  dirs.push(dir);
  const server = await startServer({ DATA_DIR: dir, DEMO_DATA: 'false' });
  procs.push(server);
  expect((await fetch(`${server.base}/Patient/demo-patient-1`, { headers: server.auth })).status).toBe(404);
  const put = (i: number) =>
    fetch(`${server.base}/Patient/term-${i}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json', ...server.auth },
      body: JSON.stringify({ resourceType: 'Patient', id: `term-${i}` }),
    }).then(
      (r) => r.status,
      () => 0, // refused once the listener closed: never acknowledged
    );
  const inFlight = Array.from({ length: 20 }, (_, i) => put(i));
  await new Promise((r) => setTimeout(r, 5));
  server.child.kill('SIGTERM');
  const statuses = await Promise.all(inFlight);
  expect(await server.exited).toBe(0);
  expect(statuses.every((s) => s === 201 || s === 0)).toBe(true);
  const acknowledged = statuses.flatMap((s, i) => (s === 201 ? [i] : []));
  const again = await startServer({ DATA_DIR: dir, DEMO_DATA: 'false' });
  procs.push(again);
  for (const i of acknowledged) {
    expect((await fetch(`${again.base}/Patient/term-${i}`, { headers: again.auth })).status).toBe(200);
  }
  again.child.kill('SIGTERM');
  expect(await again.exited).toBe(0);
});
