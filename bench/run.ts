/**
 * The load benchmark (issue 9): for each dataset size, a generated practice is loaded into a fresh
 * SQLite-engine server (its own process on 127.0.0.1) and every scenario runs with autocannon at each
 * connection count, beside the bare-Express ceiling measured in the same run. Writes
 * bench/results/<timestamp>.json and prints markdown tables on stdout (progress goes to stderr).
 *
 *   npm run bench -- [--patients 1000,10000] [--seconds 10] [--connections 1,16]
 *                    [--scenarios read,vread,create,update,search,export,billing] [--seed 1]
 *                    [--end-month YYYY-MM] [--server-heap-mb 8192] [--out FILE] [--data DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addMonths, formatMonth, monthOf, parseMonth } from '../scripts/generate/dates.js';
import { ROOT } from './lib.js';
import { cleanupAll, gitCommit, installSignalCleanup } from './support/processes.js';
import { markdown, type BenchReport } from './support/report.js';
import { benchDataset } from './support/session.js';
import { evaluateTargets } from './support/targets.js';

const ALL_SCENARIOS = ['read', 'vread', 'search', 'create', 'update', 'export', 'billing'];

function list(raw: string, name: string): number[] {
  const xs = raw.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1))
    throw new Error(`--${name} ${raw}: expected positive integers`);
  return xs;
}

function options() {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '1000,10000' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '1,16' },
      scenarios: { type: 'string', default: ALL_SCENARIOS.join(',') },
      seed: { type: 'string', default: '1' },
      'end-month': { type: 'string' },
      'server-heap-mb': { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string' },
    },
  });
  const scenarios = new Set(values.scenarios.split(',').map((s) => s.trim()));
  for (const s of scenarios)
    if (!ALL_SCENARIOS.includes(s))
      throw new Error(`unknown scenario ${s} (known: ${ALL_SCENARIOS.join(', ')})`);
  // The last complete month: every dataset's time entries end there and the billing report covers it.
  const endMonth = values['end-month'] ? parseMonth(values['end-month']) : addMonths(monthOf(Date.now()), -1);
  return {
    patients: list(values.patients, 'patients'),
    seconds: list(values.seconds, 'seconds')[0],
    connections: list(values.connections, 'connections'),
    scenarios,
    seed: list(values.seed, 'seed')[0],
    endMonth,
    serverHeapMb: values['server-heap-mb'] ? list(values['server-heap-mb'], 'server-heap-mb')[0] : undefined,
    out: values.out,
    data: values.data,
  };
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1e8) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadavgStart: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  };
}

function writeReport(file: string, report: BenchReport): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

async function main(): Promise<void> {
  installSignalCleanup();
  const o = options();
  const startedAt = new Date().toISOString();
  const file = o.out ?? path.join(ROOT, 'bench', 'results', `${startedAt.replace(/[:.]/g, '-')}.json`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const report: BenchReport = {
    startedAt,
    finishedAt: '',
    machine: machine(),
    ...gitCommit(),
    options: { ...o, scenarios: [...o.scenarios], endMonth: formatMonth(o.endMonth), engine: 'sqlite' },
    datasets: [],
    failed: [],
    targets: [],
  };
  try {
    for (const patients of o.patients) {
      const dataDir = o.data && o.patients.length === 1 ? o.data : undefined;
      if (o.data && !dataDir) throw new Error('--data keeps one dataset: give one --patients size');
      const session = {
        ...o,
        patients,
        month: formatMonth(o.endMonth),
        log,
        serverHeapMb: o.serverHeapMb,
        dataDir,
      };
      try {
        report.datasets.push(await benchDataset(session));
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        log(`  the session of ${patients} patients failed: ${error}`);
        report.failed.push({ patients, error });
      }
      writeReport(file, report); // after each dataset, so a later failure keeps what was measured
    }
  } finally {
    await cleanupAll();
  }
  report.machine.loadavgEnd = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  report.finishedAt = new Date().toISOString();
  report.targets = evaluateTargets(report.datasets);
  writeReport(file, report);
  process.stdout.write(markdown(report));
  log(`report written to ${path.relative(process.cwd(), file)}`);
  if (report.failed.length > 0) process.exitCode = 1;
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await cleanupAll();
  process.exit(1);
});
