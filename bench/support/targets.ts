/** The acceptance targets of issue 9, evaluated on a run's datasets. */
import type { DatasetReport, TargetState } from './report.js';
import { ratioOf } from './report.js';

function scenario(d: DatasetReport, name: string, connections: number) {
  return d.scenarios.find((s) => s.scenario === name && s.connections === connections);
}

function ratioTarget(datasets: DatasetReport[], name: string, min: number): TargetState {
  const parts: string[] = [];
  let measured = 0;
  let met = true;
  for (const d of datasets) {
    const s = scenario(d, name, 16);
    const ratio = s ? ratioOf(d, s) : null;
    if (ratio === null) {
      parts.push(`${d.patients}: ${s?.status === 'unavailable' ? 'unavailable' : '—'}`);
      continue;
    }
    measured++;
    if (ratio < min) met = false;
    parts.push(`${d.patients}: ${ratio}`);
  }
  return {
    target: `${name} at 16 connections ≥ ${min} of the ceiling`,
    value: parts.join(', '),
    state: measured === 0 ? 'not measured' : met ? 'met' : 'not met',
  };
}

function largest(datasets: DatasetReport[]): DatasetReport | undefined {
  return [...datasets].sort((a, b) => b.patients - a.patients)[0];
}

function searchP95(datasets: DatasetReport[]): TargetState {
  const d = largest(datasets);
  const s = d ? scenario(d, 'search', 16) : undefined;
  const target = 'patient-scoped search p95 < 15 ms at 100,000 patients (16 connections)';
  if (!d || s?.status !== 'ok') return { target, value: '—', state: 'not measured' };
  const value = `${s.p95} ms at ${d.patients} patients`;
  if (d.patients < 100_000)
    return { target, value: `${value} (run with --patients 100000)`, state: 'not measured' };
  return { target, value, state: s.p95 < 15 ? 'met' : 'not met' };
}

function ingestTarget(datasets: DatasetReport[]): TargetState {
  const target = 'transaction ingest ≥ 5,000 resources/s';
  const d = largest(datasets);
  if (!d || !Array.isArray(d.ingest) || d.ingest.length === 0)
    return { target, value: '—', state: 'not measured' };
  const best = Math.max(...d.ingest.map((i) => i.resourcesPerSecond));
  return {
    target,
    value: `${best} resources/s at ${d.patients} patients`,
    state: best >= 5000 ? 'met' : 'not met',
  };
}

function exportTarget(datasets: DatasetReport[]): TargetState {
  const target = '$export ≥ 20,000 resources/s';
  const d = largest(datasets);
  if (d?.export?.status !== 'ok') return { target, value: d?.export?.status ?? '—', state: 'not measured' };
  const v = d.export.resourcesPerSecond;
  return {
    target,
    value: `${v} resources/s at ${d.patients} patients`,
    state: v >= 20_000 ? 'met' : 'not met',
  };
}

function billingTarget(datasets: DatasetReport[]): TargetState {
  const target = '$ccm-billing-report for 10,000 patients < 1 s';
  const d = datasets.find((x) => x.patients >= 10_000 && x.billing?.status === 'ok');
  if (d?.billing?.status !== 'ok') {
    const largestRun = largest(datasets)?.billing;
    return {
      target,
      value: largestRun?.status === 'unavailable' ? 'unavailable' : '—',
      state: 'not measured',
    };
  }
  const v = d.billing.p50;
  const value = `${v} ms (p50 of ${d.billing.runs}; first run ${d.billing.msEach[0]} ms) at ${d.patients} patients`;
  return {
    target,
    value,
    state: v < 1000 ? (d.billing.msEach[0] < 1000 ? 'met' : 'met when warm') : 'not met',
  };
}

function coldStartTarget(datasets: DatasetReport[]): TargetState {
  const target = 'cold start < 3 s (with the dataset present)';
  const d = largest(datasets);
  if (!d) return { target, value: '—', state: 'not measured' };
  return {
    target,
    value: `${d.coldStartMs} ms at ${d.patients} patients`,
    state: d.coldStartMs < 3000 ? 'met' : 'not met',
  };
}

/** Evaluates every target. */
export function evaluateTargets(datasets: DatasetReport[]): TargetState[] {
  return [
    ratioTarget(datasets, 'read', 0.5),
    ratioTarget(datasets, 'create', 0.2),
    ratioTarget(datasets, 'search', 0.25),
    searchP95(datasets),
    ingestTarget(datasets),
    exportTarget(datasets),
    billingTarget(datasets),
    coldStartTarget(datasets),
  ];
}
