/**
 * Realism of 2,000 generated patients: age mix, chronic-condition prevalence among the 65+ within
 * tolerance of the table, the CCM share, and monthly CCM minutes (most full months cross 20 minutes).
 */
import type { Condition, Encounter, Patient } from 'fhir/r4.js';
import { SYSTEM } from '../../../server/ccm/vocabulary.js';
import { CONDITIONS } from '../../../scripts/generate/codes.js';
import { context, entriesOf, patientBundles } from './helpers.js';

const ctx = context(2000, 11);
const asOf = new Date(ctx.asOf);
const firstFullMonth = `${ctx.opts.endMonth.year}-${String(ctx.opts.endMonth.month - 2).padStart(2, '0')}`;

interface Tally {
  patients: number;
  over65: number;
  ccm: number;
  withCondition: Map<string, number>;
  monthMinutes: number[];
}

function age(birthDate: string): number {
  const b = new Date(`${birthDate}T00:00:00Z`);
  let a = asOf.getUTCFullYear() - b.getUTCFullYear();
  if (
    asOf.getUTCMonth() < b.getUTCMonth() ||
    (asOf.getUTCMonth() === b.getUTCMonth() && asOf.getUTCDate() < b.getUTCDate())
  )
    a--;
  return a;
}

function tally(): Tally {
  const t: Tally = { patients: 0, over65: 0, ccm: 0, withCondition: new Map(), monthMinutes: [] };
  for (const b of patientBundles(ctx)) {
    const resources = entriesOf(b).map((e) => e.resource);
    const patient = resources[0] as Patient;
    t.patients++;
    if (resources.some((r) => r.resourceType === 'Consent')) t.ccm++;
    const perMonth = new Map<string, number>();
    for (const r of resources) {
      if (r.resourceType !== 'Encounter' || (r as Encounter).class.code !== 'VR') continue;
      const e = r as Encounter;
      const month = (e.period?.start as string).slice(0, 7);
      perMonth.set(month, (perMonth.get(month) ?? 0) + (e.length?.value ?? 0));
    }
    // Only patients enrolled before the window, whose months are complete.
    if (perMonth.has(firstFullMonth)) t.monthMinutes.push(...perMonth.values());
    if (age(patient.birthDate as string) < 65) continue;
    t.over65++;
    const icd = new Set(
      resources
        .filter((r): r is Condition => r.resourceType === 'Condition')
        .flatMap((c) => (c.code?.coding ?? []).filter((x) => x.system === SYSTEM.icd10cm).map((x) => x.code)),
    );
    for (const spec of CONDITIONS) {
      if (icd.has(spec.icd10.code)) t.withCondition.set(spec.key, (t.withCondition.get(spec.key) ?? 0) + 1);
    }
  }
  return t;
}

describe('prevalence of 2,000 generated patients', () => {
  const t = tally();

  it('are mostly aged 65 and over', () => {
    expect(t.patients).toBe(2000);
    expect(t.over65 / t.patients).toBeGreaterThan(0.83);
    expect(t.over65 / t.patients).toBeLessThan(0.93);
  });

  it.each(CONDITIONS.map((c) => [c.key, c.prevalence65]))(
    '%s is within 4 points of %p among the 65+',
    (key, p) => {
      const observed = (t.withCondition.get(key as string) ?? 0) / t.over65;
      expect(Math.abs(observed - (p as number))).toBeLessThan(0.04);
    },
  );

  it('enrols the CCM share', () => {
    expect(Math.abs(t.ccm / t.patients - 0.3)).toBeLessThan(0.03);
  });

  it('logs realistic monthly minutes: most months cross 20 minutes, some stay under', () => {
    expect(t.monthMinutes.length).toBeGreaterThan(900);
    const share = (f: (m: number) => boolean) => t.monthMinutes.filter(f).length / t.monthMinutes.length;
    expect(share((m) => m >= 20)).toBeGreaterThan(0.7);
    expect(share((m) => m < 20)).toBeGreaterThan(0.1);
    expect(share((m) => m >= 60)).toBeGreaterThan(0.05);
    expect(Math.max(...t.monthMinutes)).toBeLessThan(100);
  });
});
