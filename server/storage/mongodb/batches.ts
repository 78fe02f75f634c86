/**
 * Reading a cursor batch by batch: each batch the server sends (`batchSize` documents) is taken from the
 * cursor's buffer at once, and the event loop gets a turn before the next batch is fetched, so that reading
 * a whole resource type neither stalls other requests nor makes the driver buffer the whole result.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Documents per server batch when a read may cover a whole type. */
export const STREAM_BATCH_SIZE = 1000;

/** What this reader needs of a driver cursor (`FindCursor` has these methods). */
export interface BatchSource<T> {
  /** Whether a document is left; fetches the next batch (one `getMore`) when the buffer is empty. */
  hasNext(): Promise<boolean>;
  /** Takes every document the cursor holds in its buffer. */
  readBufferedDocuments(): T[];
  close(): Promise<void>;
}

/** Yields the cursor's documents one server batch at a time, closing the cursor when done or abandoned. */
export async function* batchesOf<T>(source: BatchSource<T>): AsyncGenerator<T[], void, void> {
  try {
    while (await source.hasNext()) {
      const batch = source.readBufferedDocuments();
      if (batch.length > 0) yield batch;
    }
  } finally {
    await source.close();
  }
}

/** Reads every document of the cursor, giving the event loop a turn between batches. */
export async function collectBatches<T>(source: BatchSource<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of batchesOf(source)) {
    for (const doc of batch) out.push(doc);
    await nextTurn();
  }
  return out;
}
