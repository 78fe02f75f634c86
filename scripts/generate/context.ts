/**
 * Options of the generator and the context every patient is generated in: the practice, the reference
 * instant (`asOf`, derived from the end month, never from the clock unless the end month is defaulted) and
 * the probability that a CCM-eligible patient is enrolled.
 */
import { AGE_BANDS, CONDITIONS, UNDER_65_FACTOR } from './codes.js';
import { addMonths, DAY_MS, monthEnd, monthOf, monthStart, startOfDay, type Month } from './dates.js';
import { buildPractice, type Practice } from './practice.js';

/** What the generator is asked to produce. */
export interface GenerateOptions {
  patients: number;
  seed: number;
  /** Share of all patients enrolled in CCM (they need two or more chronic conditions). */
  ccmShare: number;
  /** Months of CCM time entries, ending with `endMonth`. */
  months: number;
  endMonth: Month;
  /** Claim the CCM profiles in meta.profile of the CCM resources. */
  claimProfiles: boolean;
}

/** Shared, read-only state of one generation run. */
export interface GenContext {
  opts: GenerateOptions;
  practice: Practice;
  /** The last instant any generated event may have. */
  asOf: number;
  /** First month with time entries. */
  firstMonth: Month;
  /** Earliest instant of the visit history (room for CCM enrolment and initiating visits before firstMonth). */
  historyStart: number;
  /** Probability of enrolling a patient with two or more chronic conditions. */
  enrolIfEligible: number;
  /** Share of patients with two or more chronic conditions (analytic). */
  eligibleShare: number;
}

/** The month containing `now` (UTC). */
export function currentMonth(now = Date.now()): Month {
  return monthOf(now);
}

/**
 * The reference instant: the last millisecond of the end month, or (when the end month was defaulted to
 * the current month) the end of yesterday, so that nothing is dated in the future.
 */
export function asOfFor(endMonth: Month, now: number | null): number {
  const end = monthEnd(endMonth) - 1;
  if (now === null) return end;
  return Math.min(end, startOfDay(now) - 1);
}

/** Probability of at least two conditions given independent per-condition probabilities. */
function atLeastTwo(probabilities: number[]): number {
  let p0 = 1;
  let ratio = 0;
  for (const p of probabilities) {
    p0 *= 1 - p;
    ratio += p / (1 - p);
  }
  return 1 - p0 - p0 * ratio;
}

/** Share of patients with two or more chronic conditions, from the prevalence table and the age bands. */
export function eligibleShare(): number {
  let share = 0;
  for (const band of AGE_BANDS) {
    const factor = band.min >= 65 ? 1 : UNDER_65_FACTOR;
    share += band.share * atLeastTwo(CONDITIONS.map((c) => c.prevalence65 * factor));
  }
  return share;
}

/** Builds the context; `now` is used only when the end month was defaulted to the current month. */
export function buildContext(opts: GenerateOptions, now: number | null): GenContext {
  const eligible = eligibleShare();
  const asOf = asOfFor(opts.endMonth, now);
  const firstMonth = addMonths(opts.endMonth, -(opts.months - 1));
  return {
    opts,
    practice: buildPractice(opts.seed, opts.patients),
    asOf,
    firstMonth,
    historyStart: Math.min(asOf - 540 * DAY_MS, monthStart(firstMonth) - 610 * DAY_MS),
    enrolIfEligible: Math.min(1, opts.ccmShare / eligible),
    eligibleShare: eligible,
  };
}

/** Days between two instants (for readability of the generators). */
export const days = (n: number): number => n * DAY_MS;
