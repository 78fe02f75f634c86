/**
 * CSV reading and writing per RFC 4180: fields separated by commas, records by CRLF, fields containing a
 * comma, quote or line break are quoted with doubled quotes inside. Written cells that a spreadsheet would
 * run as a formula (starting with =, +, -, @, tab or carriage return) are prefixed with a single quote
 * (OWASP "CSV injection"); plain numbers are left alone.
 */

/** Parses CSV text into rows of fields (quoted fields may contain commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** One cell, quoted when needed and neutralised when a spreadsheet would read it as a formula. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value !== 'number' && !NUMBER.test(s) && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Serialises rows as CSV with CRLF line ends (RFC 4180). */
export function toCsv(
  rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>,
): string {
  let out = '';
  for (const r of rows) out += `${r.map(csvCell).join(',')}\r\n`;
  return out;
}
