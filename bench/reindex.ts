/**
 * Benchmark of `$reindex` on the SQLite engine (STORE_SYNC=FULL, a real data directory): N Observations
 * stored, a SearchParameter registered on Observation, one job run to completion while a reader searches
 * every few milliseconds. Prints one JSON report: resources per second, chunks, each chunk's wall and CPU
 * time (CPU counts the whole process, the WAL fsync and checkpoint threads included), the event-loop delay
 * (perf_hooks histogram; on a shared machine it includes time the OS gave other processes), the latency
 * of the concurrent searches, and the load average.
 * Run: npx tsx bench/reindex.ts [--resources 50000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Resource, SearchParameter } from 'fhir/r4.js';
import { createApp } from '../server/app.js';
import { REINDEX_JOBS, type ReindexJob } from '../server/fhir/reindex/jobs.js';
import { parseSearch } from '../server/fhir/search/parse.js';
import { openStore } from '../server/storage/open-store.js';
import { and, type Where } from '../server/storage/repository.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

const observation = (i: number): Resource =>
  ({
    resourceType: 'Observation',
    id: `o${i}`,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose' }] },
    subject: { reference: `Patient/p${i % 1000}` },
    effectiveDateTime: '2024-05-01T10:00:00Z',
    valueQuantity: {
      value: 90 + (i % 50),
      unit: 'mg/dL',
      system: 'http://unitsofmeasure.org',
      code: 'mg/dL',
    },
    interpretation: [{ coding: [{ system: INTERPRETATION, code: ['N', 'H', 'L'][i % 3] }] }],
  }) as Resource;

const param: SearchParameter = {
  resourceType: 'SearchParameter',
  url: 'http://example.org/fhir/SearchParameter/observation-interpretation',
  name: 'ObservationInterpretation',
  status: 'active',
  description: 'bench',
  code: 'interpretation',
  base: ['Observation'],
  type: 'token',
  expression: 'Observation.interpretation',
};

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const ms = (n: number) => Number(n.toFixed(2));

/** Runs the benchmark and prints the report. */
async function main(): Promise<void> {
  const n = arg('resources', 50_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-bench-reindex-'));
  const store = await openStore({ dataDir: dir });
  try {
    const { services, reindex } = createApp({
      config: { baseUrl: 'http://127.0.0.1:8080/fhir', bodyLimitBytes: 1 << 24 },
      store,
    });
    await services.runtimeParams?.ready();
    const loadStart = performance.now();
    for (let i = 0; i < n; i += 500) {
      const batch = Array.from({ length: Math.min(500, n - i) }, (_, k) => observation(i + k));
      await Promise.all(
        batch.map((r) => services.resources.put('Observation', r.id as string, r, { method: 'PUT' })),
      );
    }
    const loadMs = performance.now() - loadStart;
    await services.resources.put('SearchParameter', 'observation-interpretation', param, { method: 'PUT' });
    const op = services.operations.all().find((o) => o.name === 'reindex');
    const kick = await op?.handler({
      services,
      level: 'type',
      type: 'Observation',
      req: {
        method: 'POST',
        segments: ['Observation', '$reindex'],
        query: [],
        headers: { prefer: 'respond-async' },
        requestId: 'bench',
      },
    });
    const jobId = String(kick?.headers['content-location']).split('/').pop() as string;

    // each chunk's own time: wall clock and CPU (the event loop is held for the chunk's synchronous work)
    const chunkWall: number[] = [];
    const chunkCpu: number[] = [];
    const repo = services.resources;
    const realReindex = repo.reindex.bind(repo);
    repo.reindex = async (type, opts) => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const r = await realReindex(type, opts);
      const c = process.cpuUsage(c0);
      chunkWall.push(performance.now() - t0);
      chunkCpu.push((c.user + c.system) / 1000);
      return r;
    };
    const loop = monitorEventLoopDelay({ resolution: 1 });
    const reads: number[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const t0 = performance.now();
        await services.resources.find(
          'Observation',
          { kind: 'refs', name: 'subject', code: 'subject', refs: ['Patient/p7'] },
          { limit: 20, fields: 'id' },
        );
        reads.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    loop.enable();
    const start = performance.now();
    reindex.start();
    for (;;) {
      const job = await store.aux<ReindexJob>(REINDEX_JOBS).findOne({ _id: jobId });
      if (job?.state === 'complete' || job?.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const elapsed = performance.now() - start;
    loop.disable();
    reading = false;
    await reader;
    await reindex.stop();
    const ir = parseSearch(services.registry, 'Observation', [['interpretation', `${INTERPRETATION}|H`]], {
      strict: true,
    });
    const found = await services.resources.count('Observation', and(...(ir.clauses as Where[])));
    reads.sort((a, b) => a - b);
    chunkWall.sort((a, b) => a - b);
    chunkCpu.sort((a, b) => a - b);
    process.stdout.write(
      `${JSON.stringify(
        {
          resources: n,
          loadMs: Math.round(loadMs),
          reindexMs: Math.round(elapsed),
          resourcesPerSecond: Math.round((n / elapsed) * 1000),
          chunks: reindex.chunks,
          chunkWallMs: {
            p50: ms(pct(chunkWall, 0.5)),
            p99: ms(pct(chunkWall, 0.99)),
            max: ms(chunkWall[chunkWall.length - 1]),
          },
          chunkCpuMs: {
            p50: ms(pct(chunkCpu, 0.5)),
            p99: ms(pct(chunkCpu, 0.99)),
            max: ms(chunkCpu[chunkCpu.length - 1]),
          },
          loadAverage: loadavg().map((x) => Number(x.toFixed(1))),
          eventLoopDelayMs: {
            p50: ms(loop.percentile(50) / 1e6),
            p99: ms(loop.percentile(99) / 1e6),
            max: ms(loop.max / 1e6),
          },
          concurrentSearchMs: {
            count: reads.length,
            p50: ms(pct(reads, 0.5)),
            p99: ms(pct(reads, 0.99)),
            max: ms(reads[reads.length - 1]),
          },
          interpretationHigh: found,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
