/**
 * Reading framed files (journal and snapshot records: `[u32 length][u32 crc32][payload]`) at open: every
 * record's framing and checksum is checked, none is parsed.
 */
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

const HEADER = 8;

/** The checksummed payloads of a buffer up to the first incomplete, empty or corrupt record. */
export interface Frames {
  bodies: Buffer[];
  /** Byte length of the complete, valid records. */
  validLength: number;
  /** True when bytes after `validLength` were ignored. */
  torn: boolean;
}

/** Checks the framing and checksums of consecutive records without parsing them. */
export function scanFrames(buf: Buffer): Frames {
  const bodies: Buffer[] = [];
  let offset = 0;
  while (offset + HEADER <= buf.length) {
    const length = buf.readUInt32LE(offset);
    const end = offset + HEADER + length;
    if (length === 0 || end > buf.length) break;
    const body = buf.subarray(offset + HEADER, end);
    if (crc32(body) !== buf.readUInt32LE(offset + 4)) break;
    bodies.push(body);
    offset = end;
  }
  return { bodies, validLength: offset, torn: offset < buf.length };
}

/** Reads a framed file (`buf`: its bytes) and checks its records' framing and checksums. */
export async function readFrames(path: string): Promise<Frames & { buf: Buffer }> {
  const buf = await readFile(path);
  return { buf, ...scanFrames(buf) };
}
