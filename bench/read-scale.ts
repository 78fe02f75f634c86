/**
 * Read-by-id at two collection sizes (default 1,000 and 100,000 Observations) on the SQLite engine,
 * against the bare-Express ceiling measured in the same run. Server, ceiling and load generator are
 * separate processes on 127.0.0.1. Prints a JSON report.
 *
 *   npx tsx bench/read-scale.ts [--sizes 1000,100000] [--seconds 10] [--connections 16]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Observation } from 'fhir/r4.js';
import { createFhirServices } from '../server/app.js';
import { openStore } from '../server/storage/open-store.js';
import { demoToken, load, SERVER_ENTRY, spawnTs, stop } from './lib.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,100000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

function observation(i: number): Observation {
  return {
    resourceType: 'Observation',
    id: `obs-${i}`,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/p-${i % 1000}` },
    effectiveDateTime: '2026-11-01T10:00:00Z',
    valueQuantity: {
      value: 60 + (i % 40),
      unit: 'beats/minute',
      system: 'http://unitsofmeasure.org',
      code: '/min',
    },
  };
}

/** Writes `n` Observations (current versions and history) into a fresh data directory. */
async function seed(dir: string, n: number): Promise<void> {
  const store = await openStore({ dataDir: dir });
  const services = createFhirServices({
    config: { baseUrl: 'http://127.0.0.1/fhir', bodyLimitBytes: 1 << 20 },
    store,
  });
  for (let start = 0; start < n; start += 5000) {
    await store.transaction(async (tx) => {
      for (let i = start; i < Math.min(n, start + 5000); i++) {
        const id = `obs-${i}`;
        await services.resources.put('Observation', id, { ...observation(i), id }, { method: 'PUT', tx });
      }
    });
  }
  await store.close();
}

const ceiling = await spawnTs(
  'bench/ceiling-server.ts',
  { CEILING_BODY: JSON.stringify(observation(1)) },
  /listening (\d+)/,
);
const ceilingPort = ceiling.match[1];
const report: Record<string, unknown> = {
  node: process.version,
  connections,
  seconds,
  results: [] as unknown[],
};
try {
  const ceil = await load({
    url: `http://127.0.0.1:${ceilingPort}/fhir/Observation/obs-1`,
    connections,
    seconds,
    // The same Authorization header as the server gets, so both parse the same request.
    headers: { authorization: `Bearer ${'x'.repeat(600)}` },
  });
  report.ceiling = ceil;
  for (const n of sizes) {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccm-bench-read-'));
    try {
      await seed(dir, n);
      const t0 = Date.now();
      const server = await spawnTs(SERVER_ENTRY, { DATA_DIR: dir, DEMO_DATA: 'false' }, /FHIR base:\s+(\S+)/);
      const startMs = Date.now() - t0;
      const base = server.match[1];
      try {
        const r = await load({
          url: base,
          connections,
          seconds,
          headers: { authorization: `Bearer ${await demoToken(base)}` },
          paths: Array.from({ length: 2000 }, (_, k) => `/fhir/Observation/obs-${(k * 7919) % n}`),
        });
        (report.results as unknown[]).push({
          resources: n,
          startMs,
          ...r,
          ratioToCeiling: Math.round((r.rps / ceil.rps) * 100) / 100,
        });
      } finally {
        await stop(server.child);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await stop(ceiling.child);
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
