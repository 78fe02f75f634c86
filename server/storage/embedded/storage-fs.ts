/**
 * The file-system calls of the embedded engine, behind a seam: production uses node:fs, tests inject faults
 * (a full disk, a failing fsync) without touching a real disk.
 */
import * as fsp from 'node:fs/promises';

/** The file-handle calls the engine makes (a subset of node:fs/promises FileHandle). */
export interface StorageFileHandle {
  write(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** The file-system calls the engine makes (a subset of node:fs/promises). */
export interface StorageFs {
  open(path: string, flags: string): Promise<StorageFileHandle>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: string, options: { flag: string }): Promise<void>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  stat(path: string): Promise<{ size: number }>;
  realpath(path: string): Promise<string>;
}

/** The real file system (node:fs/promises). */
export const nodeStorageFs: StorageFs = {
  open: (path, flags) => fsp.open(path, flags),
  readFile: (path) => fsp.readFile(path),
  writeFile: (path, data, options) => fsp.writeFile(path, data, options),
  readdir: (path) => fsp.readdir(path),
  mkdir: (path, options) => fsp.mkdir(path, options),
  rename: (from, to) => fsp.rename(from, to),
  rm: (path, options) => fsp.rm(path, options),
  stat: (path) => fsp.stat(path),
  realpath: (path) => fsp.realpath(path),
};

/** True for the errors of a full disk or an exhausted quota (a write may succeed once space is freed). */
export function isNoSpaceError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
