/**
 * Ingest: a Synthea-shaped population (default 300 patients, one transaction Bundle each) loaded by the
 * importer (its own process) into a freshly started server (its own process, SQLite engine, database on
 * disk) on 127.0.0.1; reports resources/s and checks, through a $export, that no reference is unresolved.
 *
 *   npx tsx bench/ingest.ts [--patients 300] [--concurrency 4] [--compact-after 64mb]
 *   npx tsx bench/ingest.ts --synthea ../shared/reference/synthea-sample [--concurrency 4]
 *
 * `--synthea DIR` loads real Synthea files instead (the shared hospital/practitioner Bundles first), with
 * the importer as a user runs it (its own tokens from client credentials in the environment, stable ids,
 * retries); the expected counts are the distinct fullUrls per type. Both modes report the server's CPU
 * milliseconds per resource (utime + stime of the server process from /proc, so the figure does not depend
 * on what else the machine runs) beside the wall-clock rate and the load average.
 *
 * `--compact-after` sets the server's COMPACT_AFTER (the journal size from which it writes a snapshot), to
 * measure an import during which the store compacts; the report lists the data directory's files after it.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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
  writePopulation,
} from './exchange-lib.js';
import { stop } from './lib.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '4' },
    'compact-after': { type: 'string' },
    synthea: { type: 'string' },
  },
});
const work = mkdtempSync(path.join(tmpdir(), 'ccm-bench-ingest-'));
try {
  const input = values.synthea ? path.resolve(values.synthea) : path.join(work, 'in');
  const expected = values.synthea ? syntheaCounts(input) : writePopulation(input, Number(values.patients));
  const dataDir = path.join(work, 'data');
  const compactAfter = values['compact-after'];
  const server = await startServer(dataDir, compactAfter ? { COMPACT_AFTER: compactAfter } : {});
  try {
    const cpu0 = cpuSeconds(server.child.pid);
    const summary = await runImporter(server.base, [input], Number(values.concurrency));
    const cpu1 = cpuSeconds(server.child.pid);
    // Journal and snapshot files right after the import (a snapshot means the store compacted during it).
    const files = Object.fromEntries(
      readdirSync(dataDir)
        .filter((f) => /\.(log|snap)$/.test(f))
        .map((f) => [f, statSync(path.join(dataDir, f)).size]),
    );
    const serverCpu = cpu0 === null || cpu1 === null ? null : Math.round((cpu1 - cpu0) * 100) / 100;
    const exported = await bulkExport(server.base);
    const check = await checkOutput(exported.manifest, await authHeaders(server.base));
    const report = {
      node: process.version,
      cpus: cpus().length,
      // The machine is shared: the 1-minute load average says how much of it the run had.
      loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
      engine: 'sqlite',
      input: values.synthea ? `synthea files in ${values.synthea}` : 'generated Synthea-shaped population',
      patients: values.synthea ? expected.Patient : Number(values.patients),
      concurrency: Number(values.concurrency),
      compactAfter: compactAfter ?? 'default (64mb)',
      expected: Object.values(expected).reduce((a, b) => a + b, 0),
      importer: summary,
      resourcesPerSecond: summary.resourcesPerSecond,
      serverCpuSeconds: serverCpu,
      // What one fully available core would do: the rate on a quiet machine, whatever the load now.
      resourcesPerServerCpuSecond: serverCpu ? Math.round(summary.resources / serverCpu) : null,
      serverCpuMsPerResource:
        serverCpu && summary.resources ? Math.round((serverCpu * 1e6) / summary.resources) / 1000 : null,
      storeFiles: files,
      references: check.references,
      unresolvedReferences: check.unresolved.length,
      countsMatch: Object.entries(expected).every(([t, n]) => check.counts[t] === n),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await stop(server.child);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
