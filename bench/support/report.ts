/**
 * The benchmark report: the JSON written to bench/results/<timestamp>.json and the markdown tables printed
 * on stdout (every throughput beside its ratio to the ceiling measured in the same run, then the issue's
 * targets with their state).
 */
import type { ExportOutcome } from '../scenarios/bulk-export.js';
import type { BillingOutcome } from '../scenarios/billing-report.js';
import type { IngestResult } from '../scenarios/ingest.js';
import type { ScenarioOutcome } from '../scenarios/target.js';
import { ceilingKind, type Ceilings } from './ceiling.js';
import { r2 } from './stats.js';

/** Everything measured on one dataset. */
export interface DatasetReport {
  patients: number;
  resources: number;
  byType: Record<string, number>;
  month: string;
  load: { method: 'transaction' | 'direct' | 'kept'; reason?: string; seconds: number };
  ingest: IngestResult[] | { status: 'unavailable'; reason: string };
  coldStartMs: number;
  /** Ms after the cold start until the server's background loading was done (its CPU went idle). */
  backgroundLoadMs?: number | null;
  serverRssAfterStartMb: number | null;
  ceilings: Ceilings;
  scenarios: ScenarioOutcome[];
  export: ExportOutcome | null;
  billing: BillingOutcome | null;
}

/** The whole report. */
export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  commit: string;
  dirty: boolean;
  options: Record<string, unknown>;
  datasets: DatasetReport[];
  /** Datasets whose session failed, with the error. */
  failed: Array<{ patients: number; error: string }>;
  targets: TargetState[];
}

/** One acceptance target of issue 9 and whether this run met it. */
export interface TargetState {
  target: string;
  value: string;
  state: 'met' | 'met when warm' | 'not met' | 'not measured';
}

/** Ratio of a scenario's throughput to the ceiling at the same connections. */
export function ratioOf(d: DatasetReport, s: ScenarioOutcome): number | null {
  if (s.status !== 'ok') return null;
  const c = d.ceilings[ceilingKind(s.scenario)]?.[s.connections];
  return c && c.rps > 0 ? r2(s.rps / c.rps) : null;
}

const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '—' : String(x));

function scenarioRows(d: DatasetReport): string[] {
  const rows: string[] = [];
  for (const [kind, byConn] of Object.entries(d.ceilings)) {
    for (const [c, r] of Object.entries(byConn)) {
      rows.push(
        `| ${d.patients} | ceiling (${kind} body) | ${c} | ${r.rps} | 1.00 | ${r.p50} | ${r.p95} | ${r.p99} | ${r.errors}/${r.non2xx} | | | |`,
      );
    }
  }
  for (const s of d.scenarios) {
    if (s.status !== 'ok') {
      rows.push(
        `| ${d.patients} | ${s.scenario} | ${s.connections} | unavailable | | | | | | | | ${s.reason.replace(/\|/g, '/')} |`,
      );
      continue;
    }
    const srv = s.server;
    rows.push(
      `| ${d.patients} | ${s.scenario} | ${s.connections} | ${s.rps} | ${fmt(ratioOf(d, s))} | ${s.p50} | ${s.p95} | ${s.p99} | ` +
        `${s.errors}/${s.non2xx} | ${fmt(srv?.rssMaxMb)} | ${fmt(srv?.cpuPercent)} | ${(s.note ?? '').replace(/\|/g, '/')} |`,
    );
  }
  return rows;
}

function otherRows(d: DatasetReport): string[] {
  const rows: string[] = [];
  if (Array.isArray(d.ingest)) {
    for (const i of d.ingest) {
      rows.push(
        `| ${d.patients} | ingest (transaction) | ${i.connections} | ${i.resourcesPerSecond} resources/s (${i.bundlesPerSecond} bundles/s) | ${i.p50} | ${i.p95} | ${i.p99} | ` +
          `${i.failures} | ${fmt(i.server?.rssMaxMb)} | ${fmt(i.server?.cpuPercent)} |`,
      );
    }
  } else
    rows.push(`| ${d.patients} | ingest (transaction) | | unavailable: ${d.ingest.reason} | | | | | | |`);
  const e = d.export;
  if (e?.status === 'ok') {
    rows.push(
      `| ${d.patients} | $export | 1 | ${e.resourcesPerSecond} resources/s (${e.resources} in ${e.seconds} s) | | | | 0 | ${fmt(e.server?.rssMaxMb)} | ${fmt(e.server?.cpuPercent)} |`,
    );
  } else if (e) rows.push(`| ${d.patients} | $export | 1 | unavailable: ${e.reason} | | | | | | |`);
  const b = d.billing;
  if (b?.status === 'ok') {
    rows.push(
      `| ${d.patients} | $ccm-billing-report ${d.month} | 1 | ${b.runs} runs: ${b.msEach.join(', ')} ms | ${b.p50} | | ${b.maxMs} | 0 | ${fmt(b.server?.rssMaxMb)} | ${fmt(b.server?.cpuPercent)} |`,
    );
  } else if (b)
    rows.push(
      `| ${d.patients} | $ccm-billing-report | 1 | unavailable: ${b.reason.replace(/\|/g, '/')} | | | | | | |`,
    );
  rows.push(
    `| ${d.patients} | cold start | | ${d.coldStartMs} ms to first 200 on /fhir/metadata (RSS ${fmt(d.serverRssAfterStartMb)} MB); background loading done ${d.backgroundLoadMs ?? '—'} ms later | | | | | | |`,
  );
  return rows;
}

/** A warning when some bundles failed to load: the dataset is then smaller than its name says. */
function partialLoad(d: DatasetReport): string[] {
  if (!Array.isArray(d.ingest)) return [];
  const failed = d.ingest.reduce((n, i) => n + i.failures, 0);
  if (failed === 0) return [];
  const first = d.ingest.find((i) => i.firstFailure)?.firstFailure ?? '';
  return [
    `**${failed} of ${d.patients} patient bundles failed to load** (first: ${first}); the measurements use the rest.\n`,
  ];
}

/** The markdown tables of a report. */
export function markdown(report: BenchReport): string {
  const lines = [
    `## ccm-fhir benchmark ${report.startedAt} (commit ${report.commit.slice(0, 10)}${report.dirty ? ', local changes' : ''})`,
    '',
    `${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GB, Node ${report.machine.node}, load average at start ${report.machine.loadavgStart}`,
    '',
    '| patients | scenario | conns | req/s | ratio to ceiling | p50 ms | p95 ms | p99 ms | errors/non-2xx | server RSS MB | server CPU % | note |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...report.datasets.flatMap(scenarioRows),
    '',
    '| patients | scenario | conns | throughput | p50 ms | p95 ms | p99 ms | failures | server RSS MB | server CPU % |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...report.datasets.flatMap(otherRows),
    '',
    ...report.failed.map((f) => `**The session of ${f.patients} patients failed:** ${f.error}\n`),
    ...report.datasets.flatMap((d) => partialLoad(d)),
    '| target (issue 9) | this run | state |',
    '|---|---|---|',
    ...report.targets.map((t) => `| ${t.target} | ${t.value} | ${t.state} |`),
  ];
  return `${lines.join('\n')}\n`;
}
