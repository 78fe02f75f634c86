/**
 * A sorted set of distinct numbers or strings, stored as a list of bounded sorted chunks, so that inserts and
 * deletes move at most one chunk (O(√n)-ish) and range scans are a binary search plus a walk.
 */

const MAX_CHUNK = 1024;

/** Index of the first element >= value (or > value when `strict`) in a sorted array. */
function lowerBound<V extends number | string>(arr: readonly V[], value: V, strict: boolean): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const before = strict ? arr[mid] <= value : arr[mid] < value;
    if (before) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One end of a range scan. */
export interface RangeBound<V> {
  value: V;
  inclusive: boolean;
}

/** A sorted set of distinct primitive values. */
export class SortedList<V extends number | string> {
  private chunks: V[][] = [];
  private count = 0;

  /** Number of distinct values held. */
  get size(): number {
    return this.count;
  }

  /** Index of the chunk that holds (or would hold) `value`. */
  private chunkFor(value: V): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid];
      if (chunk[chunk.length - 1] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds `value` (no-op when present). */
  insert(value: V): void {
    if (this.chunks.length === 0) {
      this.chunks.push([value]);
      this.count = 1;
      return;
    }
    const ci = this.chunkFor(value);
    const chunk = this.chunks[ci];
    const pos = lowerBound(chunk, value, false);
    if (pos < chunk.length && chunk[pos] === value) return;
    chunk.splice(pos, 0, value);
    this.count++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(ci + 1, 0, chunk.splice(chunk.length >>> 1));
  }

  /** Removes `value` (no-op when absent). */
  delete(value: V): void {
    if (this.chunks.length === 0) return;
    const ci = this.chunkFor(value);
    const chunk = this.chunks[ci];
    const pos = lowerBound(chunk, value, false);
    if (pos >= chunk.length || chunk[pos] !== value) return;
    chunk.splice(pos, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
  }

  /** Yields the values between `lo` and `hi` (either may be open) in ascending order. */
  *range(lo: RangeBound<V> | null, hi: RangeBound<V> | null): Generator<V> {
    if (this.chunks.length === 0) return;
    let ci = lo ? this.chunkFor(lo.value) : 0;
    let pos = lo ? lowerBound(this.chunks[ci], lo.value, !lo.inclusive) : 0;
    for (; ci < this.chunks.length; ci++, pos = 0) {
      const chunk = this.chunks[ci];
      for (; pos < chunk.length; pos++) {
        const v = chunk[pos];
        if (hi && (hi.inclusive ? v > hi.value : v >= hi.value)) return;
        yield v;
      }
    }
  }
}
