/**
 * Ids the server assigns to created resources: UUIDs in the time-ordered layout (version 7, RFC 9562): the
 * first 48 bits are the Unix time in milliseconds, the remaining 74 bits (besides version and variant) are
 * random. Ids made later sort after earlier ones, so the rows of a new resource go to the end of every
 * (type, id)-keyed B-tree of the store instead of a random page: a commit writes a few pages per table
 * rather than one page per new row. The random part keeps ids unguessable; the prefix reveals the creation
 * time, which `meta.lastUpdated` of the first version shows anyway.
 */
import { randomFillSync } from 'node:crypto';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Random bytes taken in batches (one call to the CSPRNG per 256 ids). */
const POOL = Buffer.alloc(16 * 256);
let poolAt = POOL.length;

/** A new resource id (lower-case UUID, version 7). */
export function newResourceId(now: number = Date.now()): string {
  if (poolAt >= POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const b = POOL.subarray(poolAt, poolAt + 16);
  poolAt += 16;
  const ms = Math.max(0, Math.floor(now));
  const high = Math.floor(ms / 2 ** 16);
  b[0] = (high >>> 24) & 0xff;
  b[1] = (high >>> 16) & 0xff;
  b[2] = (high >>> 8) & 0xff;
  b[3] = high & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[i]];
  }
  return s;
}
