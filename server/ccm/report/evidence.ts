/**
 * The evidence behind each programme's lines of a month (what an auditor asks for, issue #16): the counted
 * time entries, the consent, the care plan or programme-marker plan, the conditions, the initiating visit and,
 * per programme, its own facts (APCM: the QMB coverage; CoCM: the care team). References only, in that order.
 */
import type { MonthSummary } from '../engine/month-summary.js';

/** programme (`ccm`/`pcm`, `apcm`, `bhi`, `cocm`) → the references behind its lines. */
export function evidenceByProgramme(s: MonthSummary): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const ccm = [
    ...s.timeEntries.filter((e) => e.programme === s.programme).map((e) => e.ref),
    ...(s.consent.consent ? [s.consent.consent.ref] : []),
    ...(s.carePlan.plan ? [s.carePlan.plan.ref] : []),
    ...s.conditions.groups.flatMap((g) => g.conditions),
    ...(s.initiatingVisit ? [s.initiatingVisit.ref] : []),
  ];
  out.set(s.programme, ccm);
  const a = s.apcm;
  if (a) {
    out.set('apcm', [
      ...a.elements.map((e) => e.entry),
      ...a.marker.plans.map((p) => p.ref),
      ...(a.consent.consent ? [a.consent.consent.ref] : []),
      ...(a.initiatingVisit ? [a.initiatingVisit.ref] : []),
      ...(a.qmb ? [a.qmb.ref] : []),
    ]);
  }
  for (const b of s.behavioural) {
    out.set(b.programme, [
      ...b.timeEntries,
      ...(b.marker?.plans ?? []).map((p) => p.ref),
      ...(b.consent.consent ? [b.consent.consent.ref] : []),
      ...b.conditions.map((c) => c.ref),
      ...(b.initiatingVisit ? [b.initiatingVisit.ref] : []),
      ...new Set(b.team.map((t) => t.ref)),
    ]);
  }
  for (const [k, v] of out) out.set(k, [...new Set(v)]);
  return out;
}
