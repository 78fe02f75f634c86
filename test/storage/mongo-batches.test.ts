/**
 * The MongoDB engine's batch reader (batches.ts): it takes a cursor's buffered batch at once, gives the
 * event loop a turn before fetching the next, keeps the order, and always closes the cursor. The source
 * here is an in-memory list of batches with the three cursor methods the reader uses: this tests the
 * reader's loop, not the driver (whose batching only a real server can show).
 */
import { describe, expect, test } from '@jest/globals';
import { batchesOf, collectBatches, type BatchSource } from '../../server/storage/mongodb/batches.js';

/** A source serving `batches` one per fetch, recording what happens in `log`. */
function source(
  batches: number[][],
  log: string[],
  failAt?: number,
): BatchSource<number> & { closed: boolean } {
  let next = 0;
  let buffer: number[] = [];
  const s = {
    closed: false,
    hasNext: () => {
      if (buffer.length > 0) return Promise.resolve(true);
      if (failAt !== undefined && next === failAt) return Promise.reject(new Error('network'));
      if (next >= batches.length) return Promise.resolve(false);
      buffer = [...batches[next++]];
      log.push(`fetch ${next}`);
      return Promise.resolve(buffer.length > 0 || next < batches.length);
    },
    readBufferedDocuments: () => {
      const out = buffer;
      buffer = [];
      return out;
    },
    close: () => {
      s.closed = true;
      log.push('close');
      return Promise.resolve();
    },
  };
  return s;
}

describe('collectBatches', () => {
  test('every document in order; the event loop runs between batches', async () => {
    const log: string[] = [];
    const batches = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8],
    ];
    const src = source(batches, log);
    // A task queued on the event loop; it must run before the second batch is fetched.
    setImmediate(() => log.push('other work'));
    const all = await collectBatches(src);
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(log.indexOf('other work')).toBeGreaterThan(log.indexOf('fetch 1'));
    expect(log.indexOf('other work')).toBeLessThan(log.indexOf('fetch 2'));
    expect(src.closed).toBe(true);
  });

  test('an empty result, and an empty batch in the middle', async () => {
    const log: string[] = [];
    expect(await collectBatches(source([], log))).toEqual([]);
    expect(await collectBatches(source([[1], [], [2]], log))).toEqual([1, 2]);
  });

  test('a failure while fetching closes the cursor and rejects', async () => {
    const log: string[] = [];
    const src = source([[1], [2], [3]], log, 2);
    await expect(collectBatches(src)).rejects.toThrow('network');
    expect(src.closed).toBe(true);
  });
});

describe('batchesOf', () => {
  test('one array per server batch; leaving early closes the cursor', async () => {
    const log: string[] = [];
    const src = source([[1, 2], [3], [4, 5]], log);
    const seen: number[][] = [];
    for await (const batch of batchesOf(src)) {
      seen.push(batch);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([[1, 2], [3]]);
    expect(src.closed).toBe(true);
    expect(log).toEqual(['fetch 1', 'fetch 2', 'close']);
  });
});
