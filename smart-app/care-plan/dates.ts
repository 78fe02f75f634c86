/**
 * Calendar dates (YYYY-MM-DD) of the care plan: today in the practice time zone, offsets, and strict
 * checking of what a form sent.
 */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Today's date in a time zone, as YYYY-MM-DD. */
export function todayIn(now: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** True when `s` is a real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3])
  );
}

/** A YYYY-MM-DD date `days` later. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The date part of a FHIR date or dateTime, or '' without one. */
export function datePart(value: string | undefined): string {
  return value ? value.slice(0, 10) : '';
}

/** The practice-zone date of a FHIR date or dateTime ('' without one); a plain date is kept as written. */
export function localDate(value: string | undefined, timeZone: string): string {
  if (!value) return '';
  if (!value.includes('T')) return value.slice(0, 10);
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? value.slice(0, 10) : todayIn(t, timeZone);
}

const UCUM: Record<string, string> = {
  '%': '%',
  mmHg: 'mm[Hg]',
  'mm[Hg]': 'mm[Hg]',
  'mg/dL': 'mg/dL',
  'mg/g': 'mg/g',
  'mmol/L': 'mmol/L',
  'mmol/mol': 'mmol/mol',
  '/min': '/min',
  kg: 'kg',
  lb: '[lb_av]',
  score: '{score}',
};

/** The UCUM code of a unit as people write it, when known. */
export function ucumOf(unit: string): string | undefined {
  return UCUM[unit.trim()];
}
