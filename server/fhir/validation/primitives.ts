/**
 * Checks of primitive values in their JSON form (R4 datatypes.html#primitive and json.html#primitive):
 * the JSON type, the lexical regex of each type, numeric ranges, calendar validity and the 1 MB string limit.
 */
import type { IssueCode } from '../outcomes.js';

/** What is wrong with a primitive value. */
export interface Problem {
  readonly code: IssueCode;
  readonly message: string;
}

/** R4 datatypes.html: "strings SHALL NOT exceed 1MB in size" (measured in UTF-8 bytes). */
export const MAX_STRING_BYTES = 1024 * 1024;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const OID_RE = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;
const UUID_RE = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** FHIR regexes use XML Schema `\s`: space, tab, CR and LF only (not NBSP or other Unicode spaces). */
const NO_WHITESPACE_RE = /^[^ \t\r\n]+$/;
const CODE_BAD_RE = /^[ \t\r\n]|[ \t\r\n]$|[ \t\r\n]{2}/;
const NON_BLANK_RE = /[^ \t\r\n]/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const WHITESPACE_RUN_RE = /[ \t\r\n]+/g;
const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATETIME_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:\d{2}))?)?)?$/;
const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function problem(code: IssueCode, message: string): Problem {
  return { code, message };
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** True when year (0001-9999), month and day form a real Gregorian calendar date. */
export function isValidCalendarDate(year: number, month?: number, day?: number): boolean {
  if (year < 1) return false;
  if (month === undefined) return true;
  if (month < 1 || month > 12) return false;
  if (day === undefined) return true;
  const max = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  return day >= 1 && day <= max;
}

function num(s: string | undefined): number | undefined {
  return s === undefined ? undefined : Number(s);
}

/** hh:mm:ss(.fff) with hh 00-23, mm 00-59, ss 00-60 (R4 allows a leap second). */
function isValidTime(t: string): boolean {
  const m = TIME_RE.exec(t);
  return m !== null && Number(m[1]) <= 23 && Number(m[2]) <= 59 && Number(m[3]) <= 60;
}

/** Z or +hh:mm / -hh:mm between -14:00 and +14:00 (R4 regex: hours 00-13 with any minutes, or 14:00). */
function isValidZone(z: string): boolean {
  if (z === 'Z') return true;
  const h = Number(z.slice(1, 3));
  const min = Number(z.slice(4, 6));
  return min <= 59 && (h <= 13 || (h === 14 && min === 0));
}

/** Checks a date/dateTime/instant match: calendar date plus optional time and zone. */
function checkDateMatch(m: RegExpExecArray | null, type: string, v: string): Problem | null {
  if (m === null) return problem('value', `'${clip(v)}' is not a valid ${type} (${FORMAT_HINT[type]})`);
  if (!isValidCalendarDate(Number(m[1]), num(m[2]), num(m[3]))) {
    return problem('value', `'${clip(v)}' is not a valid calendar ${type}`);
  }
  if (m[4] !== undefined && (!isValidTime(m[4]) || !isValidZone(m[5]))) {
    return problem('value', `'${clip(v)}' has an invalid time or time zone for a ${type}`);
  }
  return null;
}

const FORMAT_HINT: Record<string, string> = {
  date: 'YYYY, YYYY-MM or YYYY-MM-DD',
  dateTime: 'YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss(.sss)+zz:zz',
  instant: 'YYYY-MM-DDThh:mm:ss(.sss)+zz:zz, with a time zone',
};

/** Shortens a value for a diagnostic message. */
export function clip(v: string): string {
  return v.length > 40 ? v.slice(0, 37) + '...' : v;
}

function utf8Length(v: string): number {
  return v.length * 3 <= MAX_STRING_BYTES ? v.length : Buffer.byteLength(v, 'utf8');
}

type StringCheck = (v: string) => Problem | null;

const regexCheck =
  (re: RegExp, what: string): StringCheck =>
  (v) =>
    re.test(v) ? null : problem('value', `'${clip(v)}' is not a valid ${what}`);

/** Lexical checks of the string-valued types; the value is already known to be a non-blank string. */
const STRING_CHECKS: Record<string, StringCheck> = {
  string: () => null,
  markdown: () => null,
  code: (v) =>
    CODE_BAD_RE.test(v)
      ? problem('value', `code '${clip(v)}' has leading, trailing or repeated whitespace`)
      : null,
  id: regexCheck(ID_RE, 'id (1-64 of A-Z a-z 0-9 - .)'),
  uri: regexCheck(NO_WHITESPACE_RE, 'uri (no whitespace allowed)'),
  url: regexCheck(NO_WHITESPACE_RE, 'url (no whitespace allowed)'),
  canonical: regexCheck(NO_WHITESPACE_RE, 'canonical (no whitespace allowed)'),
  oid: regexCheck(OID_RE, 'oid (urn:oid:...)'),
  uuid: regexCheck(UUID_RE, 'uuid (urn:uuid: + lower-case UUID)'),
  base64Binary: (v) =>
    BASE64_RE.test(v.replace(WHITESPACE_RUN_RE, ''))
      ? null
      : problem('value', 'invalid base64Binary content'),
  date: (v) => checkDateMatch(DATE_RE.exec(v), 'date', v),
  dateTime: (v) => checkDateMatch(DATETIME_RE.exec(v), 'dateTime', v),
  instant: (v) => checkDateMatch(INSTANT_RE.exec(v), 'instant', v),
  time: (v) => (isValidTime(v) ? null : problem('value', `'${clip(v)}' is not a valid time (hh:mm:ss)`)),
  xhtml: (v) =>
    v.startsWith('<div') ? null : problem('value', 'narrative div must be XHTML starting with <div'),
};

/** Range checks of the number-valued types. */
function checkNumber(type: string, v: number): Problem | null {
  if (!Number.isFinite(v)) return problem('value', `${type} must be a finite number`);
  if (type === 'decimal') return null;
  if (!Number.isInteger(v)) return problem('value', `${v} is not a whole number (${type})`);
  if (v < INT_MIN || v > INT_MAX) return problem('value', `${v} is outside the 32-bit range of ${type}`);
  if (type === 'positiveInt' && v < 1) return problem('value', `positiveInt must be >= 1 (got ${v})`);
  if (type === 'unsignedInt' && v < 0) return problem('value', `unsignedInt must be >= 0 (got ${v})`);
  return null;
}

/** True when a string is empty or only FHIR whitespace (space, tab, CR, LF). */
export function isBlank(s: string): boolean {
  return !NON_BLANK_RE.test(s);
}

/** `string` and its R4 specialisations (code, id, markdown): the types the 1 MB limit applies to. */
const STRING_FAMILY = new Set(['string', 'code', 'id', 'markdown']);

const NUMBER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt', 'decimal']);

/** The JSON type a primitive FHIR type must have (json.html#primitive). */
export function jsonTypeOf(type: string): 'boolean' | 'number' | 'string' {
  if (type === 'boolean') return 'boolean';
  return NUMBER_TYPES.has(type) ? 'number' : 'string';
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Checks one primitive JSON value (never null or an array here) against its FHIR type. */
export function checkPrimitive(type: string, v: unknown): Problem | null {
  const expected = jsonTypeOf(type);
  if (typeof v !== expected) {
    return problem('structure', `${type} must be a JSON ${expected}, not ${describe(v)}`);
  }
  if (expected === 'boolean') return null;
  if (expected === 'number') return checkNumber(type, v as number);
  const s = v as string;
  if (isBlank(s)) return problem('value', `${type} must not be empty or only whitespace`);
  if (STRING_FAMILY.has(type) && utf8Length(s) > MAX_STRING_BYTES) {
    return problem('too-long', `${type} value is longer than 1 MB (${utf8Length(s)} bytes)`);
  }
  const check = STRING_CHECKS[type];
  return check ? check(s) : null;
}
