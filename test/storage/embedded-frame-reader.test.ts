/**
 * Embedded engine: framed files (journal, snapshot) are checked at open without parsing: the records found
 * and where the valid data ends are the complete records up to the first empty, torn or corrupt one.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFrames, scanFrames } from '../../server/storage/embedded/frame-reader.js';
import { encodeRecord } from '../../server/storage/embedded/journal-format.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ccm-frame-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const END = (n: number) => records.slice(0, n).reduce((sum, r) => sum + r.length, 0);
const records = Array.from({ length: 40 }, (_, i) => encodeRecord({ i, pad: 'x'.repeat((i * 37) % 300) }));
const whole = Buffer.concat(records);

/** Files that end in every way a crash or corruption can leave them. */
function variants(): Array<[string, Buffer, number]> {
  const corrupt = Buffer.from(whole);
  const at = records.slice(0, 25).reduce((n, r) => n + r.length, 0) + 12;
  corrupt[at] ^= 0xff;
  return [
    ['complete', whole, 40],
    ['torn in a header', whole.subarray(0, whole.length - records[39].length + 5), 39],
    ['torn in a body', whole.subarray(0, whole.length - 7), 39],
    ['a corrupt record in the middle', corrupt, 25],
    ['zeros after the records', Buffer.concat([whole, Buffer.alloc(100)]), 40],
    ['empty', Buffer.alloc(0), 0],
  ];
}

describe('reading framed files', () => {
  test.each(variants())('%s: the records before the first bad one', async (name, bytes, valid) => {
    const file = path.join(dir, name.replace(/\W+/g, '-'));
    writeFileSync(file, bytes);
    const got = await readFrames(file);
    expect({ n: got.bodies.length, valid: got.validLength, torn: got.torn }).toEqual({
      n: valid,
      valid: END(valid),
      torn: END(valid) < bytes.length,
    });
    expect(got.bodies.map((b) => b.toString())).toEqual(
      records.slice(0, valid).map((r) => r.subarray(8).toString()),
    );
    expect(scanFrames(bytes).validLength).toBe(END(valid));
  });
});
