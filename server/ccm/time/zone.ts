/**
 * Calendar months in the practice's time zone. CCM is billed per calendar month (CMS MLN909188), and the
 * month a minute belongs to is decided on the practice's wall clock: an entry at 23:30 local on the last
 * day of a month belongs to that month even though it is already the next day in UTC. Local boundaries are
 * computed with `Intl.DateTimeFormat` and the IANA zone, so daylight-saving changes move them correctly.
 */

/** A calendar month as a half-open UTC interval [start, end) of epoch milliseconds. */
export interface MonthRange {
  /** `YYYY-MM`. */
  month: string;
  year: number;
  /** 1..12 */
  monthNumber: number;
  start: number;
  end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The cached formatter that reads wall-clock fields in `tz`. */
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True when `tz` is an IANA time-zone name this runtime knows (e.g. America/New_York, UTC). */
export function isValidTimeZone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock fields of an instant in `tz`. */
export function wallClock(
  ms: number,
  tz: string,
): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const out = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const p of formatter(tz).formatToParts(new Date(ms))) {
    if (p.type === 'year') out.y = Number(p.value);
    else if (p.type === 'month') out.mo = Number(p.value);
    else if (p.type === 'day') out.d = Number(p.value);
    else if (p.type === 'hour') out.h = Number(p.value);
    else if (p.type === 'minute') out.mi = Number(p.value);
    else if (p.type === 'second') out.s = Number(p.value);
  }
  return out;
}

/** The zone's offset from UTC at an instant, in milliseconds (negative west of Greenwich). */
export function offsetAt(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant at which the wall clock in `tz` shows the given local time. A local time skipped by a
 * daylight-saving jump is moved forward by the jump (so a skipped midnight becomes the first instant of
 * the day); a repeated local time resolves to its first occurrence.
 */
export function localToEpoch(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  tz: string,
): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const o1 = offsetAt(guess, tz);
  const t1 = guess - o1;
  const o2 = offsetAt(t1, tz);
  if (o2 === o1) return t1;
  const t2 = guess - o2;
  if (offsetAt(t2, tz) === o2) return Math.min(t1, t2);
  return Math.max(t1, t2);
}

/** Parses `YYYY-MM` (months 01..12, years 1900..2999); null when malformed. */
export function parseMonth(value: string): { year: number; monthNumber: number } | null {
  const m = /^(\d{4})-(\d{2})$/.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const monthNumber = Number(m[2]);
  if (year < 1900 || year > 2999 || monthNumber < 1 || monthNumber > 12) return null;
  return { year, monthNumber };
}

/** Formats a year and month as `YYYY-MM`. */
export function formatMonth(year: number, monthNumber: number): string {
  return `${String(year).padStart(4, '0')}-${String(monthNumber).padStart(2, '0')}`;
}

/** The month `delta` months after `month` (negative goes back). */
export function shiftMonth(month: string, delta: number): string {
  const p = parseMonth(month);
  if (!p) throw new Error(`not a month: ${month}`);
  const index = p.year * 12 + (p.monthNumber - 1) + delta;
  return formatMonth(Math.floor(index / 12), (index % 12) + 1);
}

const ranges = new Map<string, Readonly<MonthRange>>();

/** The local calendar month `YYYY-MM` in `tz` as a UTC interval (memoised); throws on a malformed month. */
export function monthRange(month: string, tz: string): Readonly<MonthRange> {
  const key = `${tz}|${month}`;
  const hit = ranges.get(key);
  if (hit) return hit;
  const p = parseMonth(month);
  if (!p) throw new Error(`not a month: ${month}`);
  const next = parseMonth(shiftMonth(month, 1)) as { year: number; monthNumber: number };
  const range = Object.freeze({
    month,
    year: p.year,
    monthNumber: p.monthNumber,
    start: localToEpoch(p.year, p.monthNumber, 1, 0, 0, 0, tz),
    end: localToEpoch(next.year, next.monthNumber, 1, 0, 0, 0, tz),
  });
  ranges.set(key, range);
  return range;
}

/**
 * The local calendar month (`YYYY-MM`) an instant falls in: the UTC month or a neighbour (zone offsets are
 * under a day), found by comparing with the memoised month boundaries.
 */
export function monthOf(ms: number, tz: string): string {
  const d = new Date(ms);
  const utc = formatMonth(d.getUTCFullYear(), d.getUTCMonth() + 1);
  for (const m of [utc, shiftMonth(utc, -1), shiftMonth(utc, 1)]) {
    const r = monthRange(m, tz);
    if (ms >= r.start && ms < r.end) return m;
  }
  const w = wallClock(ms, tz);
  return formatMonth(w.y, w.mo);
}

const FULL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const PARTIAL = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * The instant a FHIR date or dateTime denotes (R4 datatypes.html#dateTime). A dateTime with a zone is exact;
 * a partial date (year, year-month, date) stands for its first local instant in the practice zone.
 * Undefined when absent or malformed.
 */
export function instantOf(value: string | undefined, tz: string): number | undefined {
  if (value === undefined) return undefined;
  if (FULL_DATE_TIME.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  const m = PARTIAL.exec(value);
  if (!m) return undefined;
  return localToEpoch(Number(m[1]), m[2] ? Number(m[2]) : 1, m[3] ? Number(m[3]) : 1, 0, 0, 0, tz);
}

/**
 * The last instant a FHIR date or dateTime covers (a partial date covers its whole local period), for
 * end-of-period comparisons such as a consent's provision.period.end. Undefined when absent or malformed.
 */
export function endInstantOf(value: string | undefined, tz: string): number | undefined {
  if (value === undefined) return undefined;
  if (FULL_DATE_TIME.test(value)) return instantOf(value, tz);
  const m = PARTIAL.exec(value);
  if (!m) return undefined;
  const y = Number(m[1]);
  if (!m[2]) return localToEpoch(y + 1, 1, 1, 0, 0, 0, tz) - 1;
  const mo = Number(m[2]);
  if (!m[3]) return monthRange(formatMonth(y, mo), tz).end - 1;
  const startOfDay = localToEpoch(y, mo, Number(m[3]), 0, 0, 0, tz);
  const w = wallClock(startOfDay + 36 * 3600 * 1000, tz);
  return localToEpoch(w.y, w.mo, w.d, 0, 0, 0, tz) - 1;
}
