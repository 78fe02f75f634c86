/**
 * Acceptance 4 of issue 3: latency of the three CCM searches at 1,000 and 100,000 generated patients
 * (about 10 Conditions and 10 Encounters each) on the SQLite engine, with the query plans (index used,
 * documents examined: no collection scans). The server runs in its own process on 127.0.0.1
 * (bench/search-scale-server.ts, started with --expose-gc and a 64 MB young generation; it collects the
 * generation's garbage before listening); this process is the closed-loop load generator, measuring the
 * three queries in interleaved rounds, with exact percentiles from every request's latency. Prints one
 * JSON report, including p95 at each size, the ratio, and the machine's load average.
 *
 *   npx tsx bench/search-scale.ts [--sizes 1000,100000] [--seconds 30] [--rounds 3] [--connections 2]
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { spawnTs, stop } from './lib.js';
import { pathOf, SCALE_QUERIES, type ScaleQuery } from './search-scale-queries.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,100000' },
    seconds: { type: 'string', default: '30' },
    connections: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    'heap-mb': { type: 'string', default: '14000' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

/** The value at percentile p (0..100) of sorted numbers. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Number(sorted[Math.max(0, i)].toFixed(2));
}

/** Latencies and failures of one query, accumulated over rounds. */
interface Sample {
  latencies: number[];
  errors: number;
  emptyOrWrong: number;
  ms: number;
}

/** Closed-loop load: `connections` workers issue requests for random patients for `ms`, into `s`. */
async function measure(base: string, q: ScaleQuery, patients: number, ms: number, s: Sample): Promise<void> {
  const { latencies } = s;
  const end = Date.now() + ms;
  s.ms += ms;
  const worker = async () => {
    while (Date.now() < end) {
      const id = `p${Math.floor(Math.random() * patients)}`;
      const t0 = performance.now();
      const res = await fetch(`${base}${pathOf(q, id)}`);
      const body = (await res.json()) as { resourceType?: string; total?: number };
      latencies.push(performance.now() - t0);
      if (!res.ok) s.errors++;
      else if (body.resourceType !== 'Bundle' || body.total === undefined) s.emptyOrWrong++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

/** Summary of a sample. */
function summarise(s: Sample) {
  const sorted = [...s.latencies].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    rps: Math.round((sorted.length * 1000) / s.ms),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    errors: s.errors,
    emptyOrWrong: s.emptyOrWrong,
  };
}

/** Measures every query in interleaved rounds (so that pauses of the server hit all queries alike). */
async function measureAll(base: string, patients: number): Promise<Record<string, unknown>> {
  const rounds = Number(values.rounds);
  const slice = (seconds * 1000) / rounds;
  const warm: Sample = { latencies: [], errors: 0, emptyOrWrong: 0, ms: 0 };
  for (const q of SCALE_QUERIES) await measure(base, q, patients, 2000, warm);
  const samples = SCALE_QUERIES.map((): Sample => ({ latencies: [], errors: 0, emptyOrWrong: 0, ms: 0 }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, q] of SCALE_QUERIES.entries()) await measure(base, q, patients, slice, samples[i]);
  }
  return Object.fromEntries(SCALE_QUERIES.map((q, i) => [q.name, summarise(samples[i])]));
}

const report: Record<string, unknown> = {
  node: process.version,
  engine: 'sqlite',
  secondsPerQuery: seconds,
  connections,
  cpus: availableParallelism(),
  sizes: {},
};
for (const patients of sizes) {
  const server = await spawnTs(
    'bench/search-scale-server.ts',
    {
      SCALE_PATIENTS: String(patients),
      NODE_OPTIONS: `--expose-gc --max-old-space-size=${values['heap-mb']} --max-semi-space-size=64`,
    },
    /plans (\{.*\})\n[\s\S]*listening (\d+)/,
  );
  try {
    const base = `http://127.0.0.1:${server.match[2]}`;
    const results = await measureAll(base, patients);
    (report.sizes as Record<string, unknown>)[patients] = {
      server: JSON.parse(server.match[1]),
      loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
      results,
    };
  } finally {
    await stop(server.child);
  }
}
if (sizes.length === 2) {
  // p95 at the larger population over p95 at the smaller one
  const [small, large] = [...sizes].sort((x, y) => x - y);
  const at = (n: number) => (report.sizes as Record<string, { results: Record<string, { p95: number }> }>)[n];
  report.p95Ratio = Object.fromEntries(
    SCALE_QUERIES.map((q) => [
      q.name,
      Number((at(large).results[q.name].p95 / at(small).results[q.name].p95).toFixed(2)),
    ]),
  );
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
