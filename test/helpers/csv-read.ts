/** A spreadsheet-like CSV reader for tests (RFC 4180, UTF-8 with a byte-order mark), independent of the server's. */
import { expect } from '@jest/globals';

/** The rows of a CSV text that starts with a byte-order mark. */
export function readCsv(text: string): string[][] {
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let inQuotes = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (inQuotes && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      inQuotes = !inQuotes;
    } else if (!inQuotes && c === ',') {
      row.push(cell);
      cell = '';
    } else if (!inQuotes && c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  expect(cell).toBe('');
  return rows;
}
