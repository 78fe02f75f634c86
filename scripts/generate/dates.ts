/** Calendar helpers of the generator: everything is UTC milliseconds, formatted as FHIR date/instant strings. */

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;

/** A calendar month. */
export interface Month {
  year: number;
  /** 1..12 */
  month: number;
}

/** Parses `YYYY-MM`; throws on anything else. */
export function parseMonth(text: string): Month {
  const m = /^(\d{4})-(\d{2})$/.exec(text);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12)
    throw new Error(`expected a month as YYYY-MM, got ${JSON.stringify(text)}`);
  return { year: Number(m[1]), month };
}

/** The month `delta` months after `m` (negative for before). */
export function addMonths(m: Month, delta: number): Month {
  const index = m.year * 12 + (m.month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** First instant of a month (UTC). */
export function monthStart(m: Month): number {
  return Date.UTC(m.year, m.month - 1, 1);
}

/** First instant of the following month (UTC). */
export function monthEnd(m: Month): number {
  return Date.UTC(m.year, m.month, 1);
}

/** `YYYY-MM` */
export function formatMonth(m: Month): string {
  return `${m.year}-${String(m.month).padStart(2, '0')}`;
}

/** The month containing an instant. */
export function monthOf(ms: number): Month {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

/** FHIR date `YYYY-MM-DD`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** FHIR instant/dateTime to the second, `YYYY-MM-DDTHH:MM:SSZ`. */
export function isoInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Midnight (UTC) of the day containing `ms`. */
export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Whole years between a birth date and an instant. */
export function ageAt(birthMs: number, atMs: number): number {
  const b = new Date(birthMs);
  const a = new Date(atMs);
  let age = a.getUTCFullYear() - b.getUTCFullYear();
  const beforeBirthday =
    a.getUTCMonth() < b.getUTCMonth() ||
    (a.getUTCMonth() === b.getUTCMonth() && a.getUTCDate() < b.getUTCDate());
  if (beforeBirthday) age--;
  return age;
}
