/**
 * Export: loads a Synthea-shaped population (default 300 patients) with the importer into a freshly started
 * server (own process, SQLite engine, 127.0.0.1), then runs a system-level Bulk Data $export several times
 * and reports resources/s from kick-off to complete manifest (and with the NDJSON download), checking that
 * the counts per type equal the server's and that every reference resolves.
 *
 *   npx tsx bench/export.ts [--patients 300] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  authHeaders,
  bulkExport,
  checkOutput,
  cpuSeconds,
  runImporter,
  serverCounts,
  startServer,
  writePopulation,
} from './exchange-lib.js';
import { stop } from './lib.js';

const { values } = parseArgs({
  options: { patients: { type: 'string', default: '300' }, runs: { type: 'string', default: '3' } },
});
const work = mkdtempSync(path.join(tmpdir(), 'ccm-bench-export-'));
try {
  const expected = writePopulation(path.join(work, 'in'), Number(values.patients));
  const server = await startServer(path.join(work, 'data'));
  try {
    const imported = await runImporter(server.base, [path.join(work, 'in')]);
    const runs = [];
    let last: Awaited<ReturnType<typeof checkOutput>> | undefined;
    for (let i = 0; i < Number(values.runs); i++) {
      const cpu0 = cpuSeconds(server.child.pid);
      const exp = await bulkExport(server.base);
      const cpu1 = cpuSeconds(server.child.pid);
      const check = await checkOutput(exp.manifest, await authHeaders(server.base));
      const resources = Object.values(check.counts).reduce((a, b) => a + b, 0);
      runs.push({
        resources,
        exportSeconds: Math.round(exp.seconds * 1000) / 1000,
        resourcesPerSecond: Math.round(resources / exp.seconds),
        serverCpuSeconds: cpu0 === null || cpu1 === null ? null : Math.round((cpu1 - cpu0) * 100) / 100,
        resourcesPerServerCpuSecond:
          cpu0 === null || cpu1 === null ? null : Math.round(resources / (cpu1 - cpu0)),
        withDownloadPerSecond: Math.round(resources / (exp.seconds + check.seconds)),
        files: exp.manifest.output.length,
      });
      last = check;
    }
    const stored = await serverCounts(server.base, Object.keys(expected));
    const report = {
      node: process.version,
      cpus: cpus().length,
      // The machine is shared: the 1-minute load average says how much of it the run had.
      loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
      engine: 'sqlite',
      patients: Number(values.patients),
      imported: imported.resources,
      importResourcesPerSecond: imported.resourcesPerSecond,
      runs,
      bestResourcesPerSecond: Math.max(...runs.map((r) => r.resourcesPerSecond)),
      countsEqualStore: Object.entries(stored).every(([t, n]) => last?.counts[t] === n),
      countsPerType: last?.counts,
      references: last?.references,
      unresolvedReferences: last?.unresolved.length,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await stop(server.child);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
