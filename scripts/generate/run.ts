/**
 * Runs the generator: the practice bundle first, then one patient at a time (generated, written, dropped),
 * and a manifest with what was produced. The manifest holds no timings, so the whole output directory is a
 * pure function of the options.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Bundle } from 'fhir/r4.js';
import { buildContext, type GenContext, type GenerateOptions } from './context.js';
import { formatMonth, isoInstant } from './dates.js';
import { PracticeWriter } from './output.js';
import { buildPatientRecord } from './patient.js';
import { Rng } from './prng.js';
import { putTransaction } from './record.js';

/** What a run produced. */
export interface GenerateSummary {
  patients: number;
  ccmPatients: number;
  resources: number;
  byType: Record<string, number>;
  seconds: number;
}

/** The practice transaction Bundle (PUT Organization, Practitioners, PractitionerRoles). */
export function practiceBundle(ctx: GenContext): Bundle {
  return putTransaction(ctx.practice.resources, new Rng(ctx.opts.seed, 0, 'practice-bundle'));
}

function count(byType: Record<string, number>, type: string, n: number): void {
  byType[type] = (byType[type] ?? 0) + n;
}

/** Refuses to mix runs: an existing output is replaced only with `force`. */
function prepare(dir: string, force: boolean): void {
  const used = ['bundles', 'ndjson', 'manifest.json'].filter((f) => existsSync(path.join(dir, f)));
  const nonEmpty = used.filter((f) => f === 'manifest.json' || readdirSync(path.join(dir, f)).length > 0);
  if (nonEmpty.length === 0) return;
  if (!force)
    throw new Error(
      `${dir} already holds generated output (${nonEmpty.join(', ')}); use --force to replace it`,
    );
  for (const f of used) rmSync(path.join(dir, f), { recursive: true, force: true });
}

/** Generates the practice into `dir` and returns the summary. */
export async function generatePractice(
  opts: GenerateOptions,
  dir: string,
  io: { ndjson: boolean; force: boolean; now: number | null; onProgress?: (done: number) => void },
): Promise<GenerateSummary> {
  const started = performance.now();
  prepare(dir, io.force);
  const ctx = buildContext(opts, io.now);
  const writer = new PracticeWriter(dir, opts.patients, io.ndjson);
  const byType: Record<string, number> = {};
  writer.writeBundle(0, practiceBundle(ctx));
  const practiceLines = new Map<string, string[]>();
  for (const r of ctx.practice.resources) {
    count(byType, r.resourceType, 1);
    const lines = practiceLines.get(r.resourceType) ?? [];
    lines.push(JSON.stringify(r));
    practiceLines.set(r.resourceType, lines);
  }
  await writer.addNdjson(practiceLines);
  let ccmPatients = 0;
  for (let n = 1; n <= opts.patients; n++) {
    const record = buildPatientRecord(ctx, n);
    writer.writeBundle(n, record.toTransaction());
    if (record.entries.some((e) => e.type === 'Consent')) ccmPatients++;
    for (const e of record.entries) count(byType, e.type, 1);
    await writer.addNdjson(record.toNdjson());
    if (n % 1000 === 0) io.onProgress?.(n);
  }
  const sorted = Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b)));
  const resources = Object.values(byType).reduce((a, b) => a + b, 0);
  await writer.close({
    generator: 'ccm-fhir scripts/generate.ts',
    seed: opts.seed,
    patients: opts.patients,
    ccmShare: opts.ccmShare,
    ccmPatients,
    months: opts.months,
    firstMonth: formatMonth(ctx.firstMonth),
    endMonth: formatMonth(opts.endMonth),
    asOf: isoInstant(ctx.asOf),
    claimProfiles: opts.claimProfiles,
    practiceBundle: `bundles/${writer.bundleName(0)}`,
    patientBundles: { dir: 'bundles', first: writer.bundleName(1), last: writer.bundleName(opts.patients) },
    ndjson: io.ndjson ? 'ndjson' : null,
    resources,
    byType: sorted,
  });
  const seconds = (performance.now() - started) / 1000;
  return { patients: opts.patients, ccmPatients, resources, byType: sorted, seconds };
}
