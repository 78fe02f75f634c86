/** CSV writing and reading (RFC 4180) with spreadsheet formula neutralisation (OWASP CSV injection). */
import { describe, expect, test } from '@jest/globals';
import { csvCell, parseCsv, toCsv } from '../../../server/ccm/csv.js';

describe('csv', () => {
  test('quotes fields with commas, quotes and line breaks; CRLF between records', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', 'two\nlines', 3, null]])).toBe(
      'a,"b,c","say ""hi""","two\nlines",3,\r\n',
    );
  });
  test('cells a spreadsheet would run as formulas get a leading quote; numbers do not', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-5')).toBe('-5');
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell(-5)).toBe('-5');
  });
  test('reads back what it writes', () => {
    const rows = [
      ['x', 'y,z', 'q"q', 'l\r\nm'],
      ['', '1', '2', '3'],
    ];
    expect(parseCsv(toCsv(rows))).toEqual(rows);
  });
});
