/**
 * $ccm-billing-report at practice scale on the SQLite engine: 10,000 enrolled patients (two chronic
 * conditions, consent, care plan with copy, initiating visit) with 8 time entries each in the month, seeded
 * straight into a fresh DATA_DIR; the server (server/main.ts) runs in its own process on 127.0.0.1; requests
 * are timed fetches (the whole body read). Prints a JSON report: start-up, the first (cold) request that
 * loads the practice model, warm requests (Bundle and CSV) with p50/min/max and body size, one request
 * after 10% of the patients got a new time entry through the REST API (incremental path), and the ceiling
 * of this machine for moving the same Bundle bytes (a bare Express process serving them from memory).
 *
 *   npx tsx bench/ccm-billing-report.ts [--patients 10000] [--entries 8] [--runs 10] [--month 2026-03]
 *                                       [--data DIR] [--profile-dir DIR]
 *
 * `--data DIR` seeds DIR once and reuses it on later runs (it is not removed); `--profile-dir DIR` runs the
 * server under `node --cpu-prof` writing its profile into DIR (summarise with bench/summarise-profile.ts).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FhirResource } from 'fhir/r4.js';
import { createFhirServices } from '../server/app.js';
import { REFRESH_MARGIN_MS } from '../server/ccm/fhir/read-model.js';
import { openStore } from '../server/storage/open-store.js';
import { enrolled } from '../test/helpers/ccm-scenarios.js';
import { demoToken, SERVER_ENTRY, spawnTs, stop } from './lib.js';
import { untilIdle } from './support/processes.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '10000' },
    entries: { type: 'string', default: '8' },
    runs: { type: 'string', default: '10' },
    month: { type: 'string', default: '2026-03' },
    data: { type: 'string' },
    'profile-dir': { type: 'string' },
  },
});
const PATIENTS = Number(values.patients);
const ENTRIES = Number(values.entries);
const RUNS = Number(values.runs);
const MONTH = String(values.month);
if (!/^2026-(0[3-9]|1[0-2])$/.test(MONTH))
  throw new Error('--month: 2026-03 to 2026-12 (enrolment is in January 2026)');
/** The Authorization header of every request to the server (SMART is enforced); set once it is up. */
const auth: Record<string, string> = {};

/** One patient's resources: enrolled in January 2026, 8 entries of 2-6 minutes spread over the month. */
function patient(i: number): FhirResource[] {
  const s = enrolled(`bp-${i}`);
  for (let k = 0; k < ENTRIES; k++) {
    const day = String(2 + k * 3).padStart(2, '0');
    const minutes = 2 + ((i + k) % 5);
    const role = k === 0 && i % 3 === 0 ? 'billing-practitioner' : 'clinical-staff';
    s.time({
      start: `${MONTH}-${day}T14:${String(i % 60).padStart(2, '0')}:00Z`,
      minutes,
      seconds: (i * 7 + k) % 60,
      role,
    });
  }
  return s.resources;
}

/** Writes the practice into a fresh data directory (current versions, index entries and history). */
async function seed(dir: string): Promise<number> {
  const store = await openStore({ dataDir: dir });
  const services = createFhirServices({
    config: { baseUrl: 'http://127.0.0.1/fhir', bodyLimitBytes: 1 << 20 },
    store,
  });
  let written = 0;
  for (let start = 0; start < PATIENTS; start += 500) {
    await store.transaction(async (tx) => {
      for (let i = start; i < Math.min(PATIENTS, start + 500); i++) {
        for (const r of patient(i)) {
          await services.resources.put(r.resourceType, r.id as string, r as FhirResource, {
            method: 'PUT',
            tx,
          });
          written++;
        }
      }
    });
  }
  await store.close();
  return written;
}

/** The first report asked as soon as a fresh server prints its address (it waits for any warm-up). */
async function firstRightAfterStart(env: Record<string, string>): Promise<Record<string, number>> {
  const server = await spawnTs(SERVER_ENTRY, env, /FHIR base:\s+(\S+)/);
  try {
    auth.authorization = `Bearer ${await demoToken(server.match[1])}`;
    const r = await timed(`${server.match[1]}/$ccm-billing-report?month=${MONTH}`, 'application/fhir+json');
    if (r.status !== 200) throw new Error(`first report: ${r.status}`);
    return { ms: r.ms, serverMs: Math.round(r.serverMs), bytes: r.bytes };
  } finally {
    await stop(server.child);
  }
}

/** Times one request, reading the whole body. */
async function timed(
  url: string,
  accept: string,
): Promise<{ ms: number; serverMs: number; bytes: number; status: number; body: ArrayBuffer }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { accept, ...auth } });
  const body = await res.arrayBuffer();
  const serverMs = Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN);
  return {
    ms: Math.round(performance.now() - t0),
    serverMs,
    bytes: body.byteLength,
    status: res.status,
    body,
  };
}

/** Adds one 5-minute time entry for every tenth patient through the REST API (PUT). */
async function changeTenPercent(base: string): Promise<number> {
  let n = 0;
  for (let i = 0; i < PATIENTS; i += 10) {
    const entry = enrolled(`bp-${i}`)
      .time({ start: `${MONTH}-27T15:00:00Z`, minutes: 5 })
      .resources.at(-1) as FhirResource;
    const res = await fetch(`${base}/Encounter/${entry.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json', ...auth },
      body: JSON.stringify(entry),
    });
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`PUT ${entry.id}: ${res.status} ${await res.text()}`);
    n++;
  }
  return n;
}

/** The ceiling for moving `bytes`: a bare Express process serving them, timed the same way. */
async function ceiling(dir: string, body: ArrayBuffer): Promise<Record<string, number>> {
  const file = path.join(dir, 'ceiling-body.json');
  writeFileSync(file, Buffer.from(body));
  const srv = await spawnTs('bench/ccm-ceiling-server.ts', { CEILING_FILE: file }, /listening (\d+)/);
  try {
    return await series(`http://127.0.0.1:${srv.match[1]}/bundle`, 'application/fhir+json');
  } finally {
    await stop(srv.child);
  }
}

/** The median of some numbers. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** p50/min/max of repeated requests (client-side, whole body read) and the server's own p50 (Server-Timing). */
async function series(url: string, accept: string): Promise<Record<string, number>> {
  const times: number[] = [];
  const server: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await timed(url, accept);
    if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
    times.push(r.ms);
    if (!Number.isNaN(r.serverMs)) server.push(r.serverMs);
    bytes = r.bytes;
  }
  const out: Record<string, number> = {
    p50: median(times),
    min: Math.min(...times),
    max: Math.max(...times),
    bytes,
  };
  if (server.length > 0) out.serverP50 = Math.round(median(server));
  return out;
}

const dir = values.data ?? mkdtempSync(path.join(tmpdir(), 'ccm-bench-report-'));
const reuse = values.data !== undefined && existsSync(path.join(dir, 'seeded'));
const serverEnv: Record<string, string> = { DATA_DIR: dir, DEMO_DATA: 'false' };
const serverArgs = values['profile-dir']
  ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values['profile-dir'])}`]
  : [];
const report: Record<string, unknown> = {
  node: process.version,
  patients: PATIENTS,
  entriesPerPatient: ENTRIES,
  month: MONTH,
  runs: RUNS,
};
try {
  const t0 = Date.now();
  if (!reuse) {
    report.resources = await seed(dir);
    report.seedMs = Date.now() - t0;
    if (values.data) writeFileSync(path.join(dir, 'seeded'), '');
  }
  report.firstRightAfterStart = await firstRightAfterStart(serverEnv);
  const t1 = Date.now();
  const server = await spawnTs(SERVER_ENTRY, serverEnv, /FHIR base:\s+(\S+)/, serverArgs);
  report.startMs = Date.now() - t1;
  try {
    auth.authorization = `Bearer ${await demoToken(server.match[1])}`;
    const url = `${server.match[1]}/$ccm-billing-report?month=${MONTH}`;
    // the first request once the start-up work (the practice model's warm-up) is done
    report.idleAfterStartMs = await untilIdle(server.child.pid as number);
    const cold = await timed(url, 'application/fhir+json');
    report.cold = { ms: cold.ms, serverMs: Math.round(cold.serverMs), bytes: cold.bytes };
    // the change-only refresh re-reads a safety margin; measure once writes are older than it
    await new Promise((r) => setTimeout(r, REFRESH_MARGIN_MS));
    report.warmBundle = await series(url, 'application/fhir+json');
    report.warmCsv = await series(url, 'text/csv');
    report.ceilingSameBundleBytes = await ceiling(dir, cold.body);
    report.changedPatients = await changeTenPercent(server.match[1]);
    const after = await timed(url, 'application/fhir+json');
    report.afterChangesBundle = { ms: after.ms, serverMs: Math.round(after.serverMs), bytes: after.bytes };
  } finally {
    await stop(server.child);
  }
} finally {
  if (!values.data) rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
