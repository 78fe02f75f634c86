/**
 * Reading framed files (journal and snapshot records: `[u32 length][u32 crc32][payload]`) at open: every
 * record's framing and checksum is checked, none is parsed.
 */
import { crc32 } from 'node:zlib';
import { nodeStorageFs, type StorageFs } from './storage-fs.js';

const HEADER = 8;

/** The checksummed payloads of a buffer up to the first incomplete, empty or corrupt record. */
export interface Frames {
  bodies: Buffer[];
  /** Byte length of the complete, valid records. */
  validLength: number;
  /** True when bytes after `validLength` were ignored. */
  torn: boolean;
  /** What is wrong with the record at `validLength` (null when the records fill the buffer). */
  problem: string | null;
}

/** What is wrong with the frame at `offset`, or null when it is complete and its checksum matches. */
export function frameProblem(buf: Buffer, offset: number): string | null {
  if (offset + HEADER > buf.length) return `its ${HEADER}-byte header is cut short by the end of the file`;
  const length = buf.readUInt32LE(offset);
  if (length === 0) return 'its length is zero';
  const end = offset + HEADER + length;
  if (end > buf.length)
    return `its length (${length} bytes) runs past the end of the file by ${end - buf.length} bytes`;
  if (crc32(buf.subarray(offset + HEADER, end)) !== buf.readUInt32LE(offset + 4))
    return 'its checksum does not match its contents';
  return null;
}

/** Checks the framing and checksums of consecutive records without parsing them. */
export function scanFrames(buf: Buffer): Frames {
  const bodies: Buffer[] = [];
  let offset = 0;
  let problem: string | null = null;
  while (offset < buf.length) {
    problem = frameProblem(buf, offset);
    if (problem) break;
    const end = offset + HEADER + buf.readUInt32LE(offset);
    bodies.push(buf.subarray(offset + HEADER, end));
    offset = end;
  }
  return { bodies, validLength: offset, torn: offset < buf.length, problem };
}

/**
 * The offset of the first intact record (complete, non-empty, checksum matching, payload starting with one
 * of `firstBytes`) that starts after `from`, or -1. Used to tell damage (intact records follow) from a
 * torn tail. Cheap on JSON payloads: a length field read from text bytes is far too large to fit.
 */
export function nextIntactFrame(buf: Buffer, from: number, firstBytes: readonly number[]): number {
  for (let at = from; at + HEADER < buf.length; at++) {
    if (!firstBytes.includes(buf[at + HEADER])) continue;
    const length = buf.readUInt32LE(at);
    if (length === 0 || at + HEADER + length > buf.length) continue;
    if (frameProblem(buf, at) === null) return at;
  }
  return -1;
}

/** Reads a framed file (`buf`: its bytes) and checks its records' framing and checksums. */
export async function readFrames(
  path: string,
  fs: StorageFs = nodeStorageFs,
): Promise<Frames & { buf: Buffer }> {
  const buf = await fs.readFile(path);
  return { buf, ...scanFrames(buf) };
}
