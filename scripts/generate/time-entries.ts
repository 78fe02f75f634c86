/**
 * CCM time entries: one Encounter (class VR, serviceType ccm, length in minutes) per logged block of
 * non-face-to-face time. Each month draws a total (about 20% of months under 20 minutes, most between 20
 * and 60, some over 60), split into blocks of 5–25 minutes on distinct business days of the month.
 */
import type { Encounter } from 'fhir/r4.js';
import {
  ACTIVITY,
  CS,
  PROFILE,
  PROGRAM,
  SYSTEM,
  TIME_ENTRY_CLASS,
  TIME_ROLE,
} from '../../server/ccm/vocabulary.js';
import { addMonths, DAY_MS, isoInstant, monthEnd, monthStart, startOfDay, type Month } from './dates.js';
import type { Rng } from './prng.js';
import { concept, ref, type CcmTimeline, type PatientState } from './state.js';
import { businessTime } from './visits.js';

/** Monthly totals: [min, max] minutes and weight. */
const MONTH_TOTALS: ReadonlyArray<{ min: number; max: number; weight: number }> = [
  { min: 8, max: 19, weight: 0.2 },
  { min: 20, max: 39, weight: 0.45 },
  { min: 40, max: 59, weight: 0.22 },
  { min: 60, max: 95, weight: 0.13 },
];
const MIN_BLOCK = 5 * 60;
const MAX_BLOCK = 25 * 60;

/** Splits a total (seconds) into blocks of 5–25 minutes, short blocks being the most common. */
export function splitBlocks(rng: Rng, totalSec: number): number[] {
  const blocks: number[] = [];
  let remaining = Math.max(MIN_BLOCK, totalSec);
  for (let guard = 0; remaining > 0 && guard < 100; guard++) {
    const u = rng.next();
    let d = MIN_BLOCK + Math.floor(u * u * u * (MAX_BLOCK - MIN_BLOCK));
    if (remaining - d < MIN_BLOCK) d = remaining <= MAX_BLOCK ? remaining : remaining - MIN_BLOCK;
    blocks.push(d);
    remaining -= d;
  }
  return blocks;
}

/** `k` distinct day offsets in [0, days), or round-robin days when there are fewer days than blocks. */
function distinctDays(rng: Rng, days: number, k: number): number[] {
  const all = Array.from({ length: days }, (_, i) => i);
  if (k > days) return Array.from({ length: k }, (_, i) => all[i % days]);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.next() * (days - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, k).sort((a, b) => a - b);
}

const ACTIVITIES = ACTIVITY.filter((a) => a !== 'other');

function entry(state: PatientState, startMs: number, seconds: number, ccm: CcmTimeline): Encounter {
  const { rng, ctx } = state;
  const practitioner = rng.chance(0.15);
  const staff = rng.chance(0.9) ? ccm.careManager : rng.pick(ctx.practice.staff);
  const reasons = state.conditions.filter((_, i) => i < 2 && (i === 0 || rng.chance(0.4)));
  return {
    resourceType: 'Encounter',
    ...(ctx.opts.claimProfiles ? { meta: { profile: [PROFILE.timeEntry] } } : {}),
    status: 'finished',
    class: { system: SYSTEM.actCode, code: TIME_ENTRY_CLASS, display: 'virtual' },
    type: [concept(CS.activity, rng.pick(ACTIVITIES))],
    serviceType: concept(CS.program, PROGRAM.ccm),
    subject: state.patient,
    participant: [
      {
        type: [concept(CS.timeRole, practitioner ? TIME_ROLE.billingPractitioner : TIME_ROLE.clinicalStaff)],
        individual: ref(practitioner ? state.pcp.ref : staff.ref),
      },
    ],
    period: { start: isoInstant(startMs), end: isoInstant(startMs + seconds * 1000) },
    // Minutes with two decimals, truncated: 19 min 59 s is 19.98, never 20.
    length: { value: Math.floor((seconds * 100) / 60) / 100, unit: 'min', system: SYSTEM.ucum, code: 'min' },
    reasonReference: reasons.map((c) => c.ref),
    serviceProvider: ref(ctx.practice.orgRef),
  };
}

function addMonth(state: PatientState, ccm: CcmTimeline, month: Month): void {
  const { rng, ctx } = state;
  const from = Math.max(monthStart(month), startOfDay(ccm.consentMs) + DAY_MS);
  const to = Math.min(monthEnd(month), startOfDay(ctx.asOf) + DAY_MS);
  const days = Math.floor((to - from) / DAY_MS);
  if (days < 1) return;
  const band = rng.weighted(MONTH_TOTALS, (b) => b.weight);
  const fraction = (to - from) / (monthEnd(month) - monthStart(month));
  const total = Math.round(rng.int(band.min * 60, band.max * 60 + 59) * fraction);
  const blocks = splitBlocks(rng, total);
  const dayOffsets = distinctDays(rng, days, blocks.length);
  let previousEnd = 0;
  blocks.forEach((seconds, i) => {
    const day = from + dayOffsets[i] * DAY_MS;
    let start = businessTime(rng, day);
    if (start < previousEnd) start = previousEnd + 5 * 60_000;
    if (start + seconds * 1000 > to) return;
    previousEnd = start + seconds * 1000;
    state.record.add(entry(state, start, seconds, ccm));
  });
}

/** Adds the time entries of every month from the first time-entry month to the end month. */
export function addTimeEntries(state: PatientState, ccm: CcmTimeline): void {
  for (let m = state.ctx.firstMonth, i = 0; i < state.ctx.opts.months; i++, m = addMonths(m, 1)) {
    addMonth(state, ccm, m);
  }
}
