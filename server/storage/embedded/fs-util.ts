/** Small file-system helpers for durable writes. */
import { nodeStorageFs, type StorageFileHandle, type StorageFs } from './storage-fs.js';

/** Writes the whole buffer at the current position (looping over partial writes). */
export async function writeAll(fh: StorageFileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await fh.write(buf, offset, buf.length - offset, null);
    offset += bytesWritten;
  }
}

/** Fsyncs a directory so that created, renamed and deleted entries are durable. */
export async function fsyncDir(dir: string, fs: StorageFs = nodeStorageFs): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A promise with its resolve/reject functions exposed. */
export interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Creates a Deferred. */
export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
