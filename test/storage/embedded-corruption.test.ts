/**
 * Embedded engine: damage that a crash cannot cause stops the start and changes no file; a torn tail (the
 * last record of the newest journal, incomplete or failing its checksum, with no intact record after it)
 * is still cut away. See recovery.ts for the rule.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { openEmbeddedStore } from '../../server/storage/embedded/embedded-store.js';
import { scanFrames } from '../../server/storage/embedded/frame-reader.js';
import { encodeRecord } from '../../server/storage/embedded/journal-format.js';
import { LOCK_FILE } from '../../server/storage/embedded/dir-lock.js';
import type { CompactionStep } from '../../server/storage/embedded/persistence.js';

const root = mkdtempSync(join(tmpdir(), 'ccm-corrupt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `d${++dirs}`);
const JOURNAL = 'journal-00000000.log';

/**
 * Every data file of `dir` with its SHA-256 and mtime, to prove that a refused start changed nothing (the
 * lock file is not data: a copy of a live directory holds a stale one, which an open takes over).
 */
function fingerprint(dir: string): Record<string, { sha: string; mtimeMs: number; size: number }> {
  const out: Record<string, { sha: string; mtimeMs: number; size: number }> = {};
  for (const name of readdirSync(dir).sort()) {
    if (name === LOCK_FILE) continue;
    const path = join(dir, name);
    const st = statSync(path);
    out[name] = {
      sha: createHash('sha256').update(readFileSync(path)).digest('hex'),
      mtimeMs: st.mtimeMs,
      size: st.size,
    };
  }
  return out;
}

/** A data directory whose journal holds `n` records, one document each. */
async function journalOf(n: number): Promise<string> {
  const dir = freshDir();
  const store = await openEmbeddedStore({ dataDir: dir });
  for (let i = 0; i < n; i++) {
    await store.collection('c').insertOne({ _id: `d${String(i).padStart(3, '0')}`, i, pad: 'x'.repeat(40) });
  }
  await store.close();
  return dir;
}

/** Byte offsets where each record of `file` starts. */
function recordOffsets(file: string): number[] {
  const { bodies } = scanFrames(readFileSync(file));
  return bodies.map((b) => b.byteOffset - bodies[0].byteOffset);
}

function flip(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] ^= 0x20;
  writeFileSync(file, bytes);
}

/** Opens `dir` expecting a refusal; returns the message, after checking that no file changed. */
async function refused(dir: string): Promise<string> {
  const before = fingerprint(dir);
  let message = '';
  await openEmbeddedStore({ dataDir: dir }).then(
    async (store) => {
      await store.close();
      throw new Error('the store opened');
    },
    (err: unknown) => {
      message = err instanceof Error ? err.message : String(err);
    },
  );
  expect(fingerprint(dir)).toEqual(before);
  expect(existsSync(join(dir, LOCK_FILE))).toBe(false); // the failed open released its lock
  return message;
}

describe('damage in the middle of the journal', () => {
  test('a flipped byte in a middle record stops the start, names file and offset, and changes no file', async () => {
    const dir = await journalOf(30);
    const file = join(dir, JOURNAL);
    const offsets = recordOffsets(file);
    flip(file, offsets[12] + 8 + 20); // inside the payload of record 12 of 30
    const message = await refused(dir);
    expect(message).toContain(file);
    expect(message).toContain(`byte offset ${offsets[12]}`);
    expect(message).toMatch(/checksum/);
    expect(message).toMatch(/changed no file/);
    expect(message).toMatch(/backup/);
    expect(message).toContain(`truncate -s ${offsets[12]}`);
  });

  test('a damaged length field in a middle record stops the start', async () => {
    const dir = await journalOf(30);
    const file = join(dir, JOURNAL);
    const offsets = recordOffsets(file);
    const bytes = readFileSync(file);
    bytes.writeUInt32LE(0x00ffffff, offsets[20]); // runs past the end of the file
    writeFileSync(file, bytes);
    const message = await refused(dir);
    expect(message).toContain(`byte offset ${offsets[20]}`);
    expect(message).toMatch(/past the end/);
  });

  test('a record with a good checksum that does not parse stops the start, even at the end', async () => {
    const dir = await journalOf(5);
    const file = join(dir, JOURNAL);
    const size = statSync(file).size;
    writeFileSync(file, Buffer.concat([readFileSync(file), encodeRecord('not operations')]));
    const message = await refused(dir);
    expect(message).toContain(`byte offset ${size}`);
    expect(message).toMatch(/does not parse/);
  });

  test('a damaged journal followed by a newer one stops the start, even at its end', async () => {
    const dir = freshDir();
    const copies = new Map<CompactionStep, string>();
    const onCompactionStep = (step: CompactionStep): void => {
      const copy = `${dir}-${step}`;
      cpSync(dir, copy, { recursive: true });
      copies.set(step, copy);
    };
    const store = await openEmbeddedStore({ dataDir: dir, onCompactionStep });
    for (let i = 0; i < 5; i++) await store.collection('c').insertOne({ _id: `a${i}` });
    await store.compact();
    await store.close();
    const crashed = copies.get('rotated') as string; // journal 0 complete, journal 1 started, no snapshot
    const file = join(crashed, JOURNAL);
    flip(file, statSync(file).size - 2);
    const message = await refused(crashed);
    expect(message).toContain(file);
    expect(message).toMatch(/newer journal/);
  });
});

describe('torn tails are still cut away', () => {
  test('a last record failing its checksum with nothing after it is dropped; the rest opens', async () => {
    const dir = await journalOf(10);
    const file = join(dir, JOURNAL);
    const offsets = recordOffsets(file);
    flip(file, statSync(file).size - 3);
    const store = await openEmbeddedStore({ dataDir: dir });
    expect(await store.collection('c').countDocuments({})).toBe(9);
    expect(store.stats().recovery?.truncatedBytes).toBeGreaterThan(0);
    await store.close();
    expect(statSync(file).size).toBe(offsets[9]);
  });

  test('a last record cut short with zeros after it is dropped', async () => {
    const dir = await journalOf(10);
    const file = join(dir, JOURNAL);
    const offsets = recordOffsets(file);
    const bytes = readFileSync(file);
    writeFileSync(file, Buffer.concat([bytes.subarray(0, bytes.length - 10), Buffer.alloc(4096)]));
    const store = await openEmbeddedStore({ dataDir: dir });
    expect(await store.collection('c').countDocuments({})).toBe(9);
    await store.close();
    expect(statSync(file).size).toBe(offsets[9]);
  });
});

describe('a damaged snapshot', () => {
  test('stops the start with its name and offset, and changes no file', async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dataDir: dir });
    const docs = Array.from({ length: 1200 }, (_v, i) => ({ _id: `s${i}`, pad: 'y'.repeat(30) }));
    await store.collection('c').insertMany(docs);
    await store.compact();
    await store.collection('c').insertOne({ _id: 'after' });
    await store.close();
    const snap = join(dir, 'snapshot-00000001.snap');
    const offsets = recordOffsets(snap);
    expect(offsets.length).toBeGreaterThan(3);
    flip(snap, offsets[2] + 8 + 100);
    const message = await refused(dir);
    expect(message).toContain(snap);
    expect(message).toContain(`byte offset ${offsets[2]}`);
    expect(message).toMatch(/backup/);
  });
});
