/**
 * A file system for the embedded engine that behaves like a filling disk: `free` bytes may still be
 * written (a write that does not fit writes what fits, the next one fails with ENOSPC, as write(2) does),
 * and `failSyncs` makes the next fsyncs fail with ENOSPC (as on file systems that allocate at writeback).
 * `free: null` is a disk with room.
 */
import {
  nodeStorageFs,
  type StorageFileHandle,
  type StorageFs,
} from '../../server/storage/embedded/storage-fs.js';

/** The disk's state; tests change it between operations. */
export interface DiskState {
  free: number | null;
  failSyncs: number;
  /** ENOSPC errors raised so far. */
  raised: number;
}

function noSpace(disk: DiskState, call: string): Error {
  disk.raised++;
  return Object.assign(new Error(`ENOSPC: no space left on device, ${call}`), {
    code: 'ENOSPC',
    errno: -28,
    syscall: call,
  });
}

function faultyHandle(fh: StorageFileHandle, disk: DiskState): StorageFileHandle {
  return {
    async write(buffer, offset, length, position) {
      if (disk.free === null) return fh.write(buffer, offset, length, position);
      if (disk.free <= 0) throw noSpace(disk, 'write');
      const result = await fh.write(buffer, offset, Math.min(length, disk.free), position);
      disk.free -= result.bytesWritten;
      return result;
    },
    async datasync() {
      if (disk.failSyncs > 0) {
        disk.failSyncs--;
        throw noSpace(disk, 'fdatasync');
      }
      return fh.datasync();
    },
    sync: () => fh.sync(),
    truncate: (length) => fh.truncate(length),
    close: () => fh.close(),
  };
}

/** A StorageFs over node:fs whose file writes and fsyncs obey `disk`. */
export function fullDiskFs(disk: DiskState): StorageFs {
  return {
    ...nodeStorageFs,
    open: async (path, flags) => faultyHandle(await nodeStorageFs.open(path, flags), disk),
  };
}

/** A disk with room. */
export function roomyDisk(): DiskState {
  return { free: null, failSyncs: 0, raised: 0 };
}
