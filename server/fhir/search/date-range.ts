/**
 * Dates as ranges (R4 search.html#date): a date, dateTime or instant of year, month, day, minute, second or
 * millisecond precision stands for the whole interval it names; both ends are inclusive epoch ms in UTC.
 * A value without a time zone is taken as UTC (the server's time zone; search.html#date).
 */

/** An inclusive range of epoch milliseconds. */
export interface Range {
  lo: number;
  hi: number;
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Epoch ms of a UTC calendar time; years below 100 are taken literally (unlike Date.UTC). */
function utc(year: number, month: number, day = 1, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

/** Days in a month (1-based month). */
function daysIn(year: number, month: number): number {
  return new Date(utc(year, month, 0)).getUTCDate();
}

/** Offset of a `Z` / `+hh:mm` / `-hh:mm` zone in minutes, or NaN when malformed. */
function zoneMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const h = Number(zone.slice(1, 3));
  const m = Number(zone.slice(4, 6));
  return h > 14 || m > 59 ? NaN : sign * (h * 60 + m);
}

/** Range of a time-of-day value (minute precision or finer), or undefined when out of range. */
function timeRange(parts: string[], y: number, mo: number, d: number): Range | undefined {
  const [hh, mi, ss, frac, zone] = parts;
  const h = Number(hh);
  const m = Number(mi);
  const s = ss === undefined ? 0 : Number(ss);
  const offset = zoneMinutes(zone);
  if (h > 23 || m > 59 || s > 59 || Number.isNaN(offset)) return undefined;
  const fracMs = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const lo = utc(y, mo - 1, d, h, m, s, fracMs) - offset * 60_000;
  let width = 60_000;
  if (ss !== undefined) width = frac === undefined ? 1000 : 10 ** Math.max(0, 3 - frac.length);
  return { lo, hi: lo + width - 1 };
}

/** Parses a FHIR date/dateTime/instant (or a search date value) into its range; undefined if malformed. */
export function dateRange(text: string): Range | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  if (y < 1) return undefined;
  if (m[2] === undefined) return { lo: utc(y, 0), hi: utc(y + 1, 0) - 1 };
  const mo = Number(m[2]);
  if (mo < 1 || mo > 12) return undefined;
  if (m[3] === undefined) return { lo: utc(y, mo - 1), hi: utc(y, mo) - 1 };
  const d = Number(m[3]);
  if (d < 1 || d > daysIn(y, mo)) return undefined;
  if (m[4] === undefined) return { lo: utc(y, mo - 1, d), hi: utc(y, mo - 1, d + 1) - 1 };
  return timeRange([m[4], m[5], m[6], m[7], m[8]], y, mo, d);
}
