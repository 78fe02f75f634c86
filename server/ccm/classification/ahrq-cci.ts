/**
 * Loader for a user-supplied AHRQ HCUP Chronic Condition Indicator CSV: the CCIR for ICD-10-CM (values
 * 1 chronic, 0 not chronic, 9 no determination) or the older CCI (0/1). HCUP distributes these files with a
 * header row naming the columns ("ICD-10-CM CODE", "... DESCRIPTION", "CHRONIC INDICATOR") and often wraps
 * each value in single quotes inside the CSV quotes (`"'E119'"`); both are handled. Title lines before the
 * header are skipped. The file is not shipped: practices download it from HCUP under its terms.
 */
import { parseCsv } from '../csv.js';

/** One AHRQ flag: 1 chronic, 0 not chronic, 9 undetermined. */
export type AhrqFlag = 0 | 1 | 9;

/** A loaded indicator table keyed by the dotless, upper-case ICD-10-CM code. */
export interface ChronicIndicatorTable {
  readonly source: string;
  readonly size: number;
  get(dotlessCode: string): { flag: AhrqFlag; description?: string } | undefined;
}

/** What a load produced. */
export interface AhrqLoadResult {
  table: ChronicIndicatorTable;
  /** Data rows whose code or flag could not be read. */
  skipped: number;
}

/** Removes CSV-level whitespace and the single quotes HCUP puts around values. */
function clean(value: string | undefined): string {
  const v = (value ?? '').trim();
  return v.length >= 2 && v.startsWith("'") && v.endsWith("'") ? v.slice(1, -1).trim() : v;
}

/** The column indexes of the header row, or null when `row` is not the header. */
function headerColumns(row: string[]): { code: number; flag: number; description: number } | null {
  const cells = row.map((c) => clean(c).toUpperCase());
  const code = cells.findIndex((c) => /CODE/.test(c) && !/DESCRIPTION/.test(c));
  const flag = cells.findIndex((c) => /CHRONIC/.test(c) && !/DESCRIPTION/.test(c));
  const description = cells.findIndex((c) => /DESCRIPTION/.test(c));
  return code >= 0 && flag >= 0 && code !== flag ? { code, flag, description } : null;
}

/** Normalises an ICD-10-CM code to dotless upper case (`e11.65` → `E1165`). */
export function dotless(code: string): string {
  return code.replace(/\./g, '').trim().toUpperCase();
}

/** Parses the CSV text of an AHRQ chronic condition indicator file; throws when no header row is found. */
export function loadChronicIndicatorCsv(text: string, source = 'AHRQ CCI'): AhrqLoadResult {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''));
  const headerAt = rows.findIndex((r) => headerColumns(r) !== null);
  if (headerAt < 0) {
    throw new Error(`${source}: no header row with an ICD-10-CM code column and a chronic indicator column`);
  }
  const cols = headerColumns(rows[headerAt]) as { code: number; flag: number; description: number };
  const map = new Map<string, { flag: AhrqFlag; description?: string }>();
  let skipped = 0;
  for (const row of rows.slice(headerAt + 1)) {
    if (row.length === 1 && clean(row[0]) === '') continue;
    const code = dotless(clean(row[cols.code]));
    const flag = Number(clean(row[cols.flag]));
    if (!/^[A-Z][0-9][0-9A-Z]{1,5}$/.test(code) || (flag !== 0 && flag !== 1 && flag !== 9)) {
      skipped++;
      continue;
    }
    const description = cols.description >= 0 ? clean(row[cols.description]) : '';
    map.set(code, { flag, ...(description ? { description } : {}) });
  }
  return {
    table: { source, size: map.size, get: (c) => map.get(c) },
    skipped,
  };
}
