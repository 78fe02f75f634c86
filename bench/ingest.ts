/**
 * Ingest: a Synthea-shaped population (default 300 patients, one transaction Bundle each) loaded by the
 * importer (its own process) into a freshly started server (its own process, SQLite engine, database on
 * disk) on 127.0.0.1; reports resources/s and checks, through a $export, that no reference is unresolved.
 *
 *   npx tsx bench/ingest.ts [--patients 300] [--concurrency 4] [--compact-after 64mb]
 *   npx tsx bench/ingest.ts --synthea ../shared/reference/synthea-sample [--concurrency 4]
 *                           [--runs 3] [--reimport] [--cpu-prof DIR]
 *
 * `--synthea DIR` loads real Synthea files instead (the shared hospital/practitioner Bundles first), with
 * the importer as a user runs it (its own tokens from client credentials in the environment, stable ids,
 * retries); the expected counts are the distinct fullUrls per type. Both modes report the server's CPU
 * milliseconds per resource (utime + stime of the server process from /proc, so the figure does not depend
 * on what else the machine runs), split into the main thread and the others by name, beside the
 * wall-clock rate and the load average (`/proc/loadavg` before and after each run).
 *
 * `--runs N` repeats the whole run (a fresh server and data directory each time) and reports each run and
 * the median of the server CPU per resource and of the rate. `--reimport` loads the same files a second
 * time into the same server (what re-running an import costs: unchanged content writes no new version).
 * `--cpu-prof DIR` runs the server under `node --cpu-prof` and leaves its profiles in DIR (summarise them
 * with bench/summarise-profile.ts). `--compact-after` sets the server's COMPACT_AFTER.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  authHeaders,
  bulkExport,
  checkOutput,
  cpuSeconds,
  runImporter,
  startServer,
  syntheaCounts,
  threadCpuSeconds,
  writePopulation,
  type ImporterSummary,
} from './exchange-lib.js';
import { stop } from './lib.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '4' },
    'compact-after': { type: 'string' },
    synthea: { type: 'string' },
    runs: { type: 'string', default: '1' },
    reimport: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').trim();
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** CPU of the server process over one import: total, per thread name, per resource. */
interface CpuUse {
  seconds: number | null;
  msPerResource: number | null;
  /** Microseconds per resource of each thread name (main = the event loop). */
  usPerResourceByThread: Record<string, number>;
}

/** Imports `inputs` into the server at `base` and measures the server's CPU meanwhile. */
async function measuredImport(
  pid: number | undefined,
  base: string,
  inputs: string[],
): Promise<{ summary: ImporterSummary; cpu: CpuUse; loadavg: { before: string; after: string } }> {
  const before = loadavg();
  const cpu0 = cpuSeconds(pid);
  const threads0 = threadCpuSeconds(pid);
  const summary = await runImporter(base, inputs, Number(values.concurrency));
  const cpu1 = cpuSeconds(pid);
  const threads1 = threadCpuSeconds(pid);
  const seconds = cpu0 === null || cpu1 === null ? null : Math.round((cpu1 - cpu0) * 100) / 100;
  const n = summary.resources;
  const byThread = Object.fromEntries(
    Object.entries(threads1)
      .map(([name, s]) => [name, Math.round(((s - (threads0[name] ?? 0)) * 1e6) / n)] as const)
      .filter(([, us]) => us > 0),
  );
  return {
    summary,
    cpu: {
      seconds,
      msPerResource: seconds && n ? round3((seconds * 1000) / n) : null,
      usPerResourceByThread: byThread,
    },
    loadavg: { before, after: loadavg() },
  };
}

/** One run: a fresh server, the import (and the re-import), the export check. */
async function oneRun(input: string, expected: Record<string, number>, work: string) {
  const dataDir = mkdtempSync(path.join(work, 'data-'));
  const compactAfter = values['compact-after'];
  const profDir = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
  const spawned = performance.now();
  const server = await startServer(
    dataDir,
    compactAfter ? { COMPACT_AFTER: compactAfter } : {},
    profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [],
  );
  try {
    // Milliseconds since the spawn (about the start of the server's profile): summarise-profile's window.
    const since = () => Math.round(performance.now() - spawned);
    const window0 = since();
    const first = await measuredImport(server.child.pid, server.base, [input]);
    const window1 = since();
    const again = values.reimport ? await measuredImport(server.child.pid, server.base, [input]) : undefined;
    const window2 = since();
    // Journal and snapshot files right after the import (a snapshot means the store compacted during it).
    const files = Object.fromEntries(
      readdirSync(dataDir)
        .filter((f) => /\.(log|snap|sqlite(-wal)?)$/.test(f))
        .map((f) => [f, statSync(path.join(dataDir, f)).size]),
    );
    const exported = await bulkExport(server.base);
    const check = await checkOutput(exported.manifest, await authHeaders(server.base));
    return {
      importer: first.summary,
      resourcesPerSecond: first.summary.resourcesPerSecond,
      serverCpuSeconds: first.cpu.seconds,
      serverCpuMsPerResource: first.cpu.msPerResource,
      serverCpuUsPerResourceByThread: first.cpu.usPerResourceByThread,
      loadavg: first.loadavg,
      ...(again
        ? {
            reimport: {
              resourcesPerSecond: again.summary.resourcesPerSecond,
              serverCpuMsPerResource: again.cpu.msPerResource,
              serverCpuUsPerResourceByThread: again.cpu.usPerResourceByThread,
              filesFailed: again.summary.filesFailed,
              loadavg: again.loadavg,
            },
          }
        : {}),
      storeFiles: files,
      ...(profDir
        ? {
            profileWindowsMs: {
              import: [window0, window1],
              ...(again ? { reimport: [window1, window2] } : {}),
            },
          }
        : {}),
      references: check.references,
      unresolvedReferences: check.unresolved.length,
      countsMatch: Object.entries(expected).every(([t, n]) => check.counts[t] === n),
    };
  } finally {
    await stop(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const work = mkdtempSync(path.join(tmpdir(), 'ccm-bench-ingest-'));
try {
  const input = values.synthea ? path.resolve(values.synthea) : path.join(work, 'in');
  const expected = values.synthea ? syntheaCounts(input) : writePopulation(input, Number(values.patients));
  const runs: Array<Awaited<ReturnType<typeof oneRun>>> = [];
  for (let i = 0; i < Number(values.runs); i++) {
    process.stderr.write(`run ${i + 1} of ${values.runs}\n`);
    runs.push(await oneRun(input, expected, work));
  }
  const numbers = (pick: (r: (typeof runs)[number]) => number | null | undefined): number[] =>
    runs.map(pick).filter((x): x is number => typeof x === 'number');
  const report = {
    node: process.version,
    cpus: cpus().length,
    engine: 'sqlite',
    input: values.synthea ? `synthea files in ${values.synthea}` : 'generated Synthea-shaped population',
    patients: values.synthea ? expected.Patient : Number(values.patients),
    concurrency: Number(values.concurrency),
    compactAfter: values['compact-after'] ?? 'default',
    expected: Object.values(expected).reduce((a, b) => a + b, 0),
    // The primary figure: server CPU per resource (does not depend on what else the machine runs).
    medianServerCpuMsPerResource: median(numbers((r) => r.serverCpuMsPerResource)),
    medianResourcesPerSecond: median(numbers((r) => r.resourcesPerSecond)),
    ...(values.reimport
      ? { medianReimportServerCpuMsPerResource: median(numbers((r) => r.reimport?.serverCpuMsPerResource)) }
      : {}),
    runs,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
