/**
 * Record framing shared by the journal and the snapshot files:
 * `[u32 LE payload length][u32 LE crc32(payload)][payload: UTF-8 JSON]`.
 * A reader accepts records up to the first one that is incomplete, has a bad checksum, is empty or does not
 * parse: that point is the end of the valid data (a torn write at a crash).
 */
import { crc32 } from 'node:zlib';
import type { StoredDocument } from '../document-collection.js';
import type { IndexDefinition } from './secondary-index.js';

/** One change in a journal record. */
export type JournalOp =
  { c: string; put: StoredDocument } | { c: string; del: string } | { c: string; idx: IndexDefinition };

const HEADER = 8;

/** Serialises one operation (done before the operation is applied, so that a failure changes nothing). */
export function serializeOp(op: JournalOp): string {
  return JSON.stringify(op);
}

/** Frames a record holding already-serialised operations. */
export function encodeOps(serialized: readonly string[]): Buffer {
  return frame(`[${serialized.join(',')}]`);
}

/** Frames one payload. */
export function encodeRecord(payload: unknown): Buffer {
  return frame(JSON.stringify(payload));
}

/** Header and UTF-8 body written into one buffer (no intermediate copy of the body). */
function frame(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(HEADER + length);
  out.write(text, HEADER, length, 'utf8');
  const body = out.subarray(HEADER);
  out.writeUInt32LE(length, 0);
  out.writeUInt32LE(crc32(body), 4);
  return out;
}

/** The records found in a buffer and where the valid data ends. */
export interface DecodedRecords {
  records: unknown[];
  /** Byte length of the complete, valid records. */
  validLength: number;
  /** True when bytes after `validLength` were ignored. */
  torn: boolean;
}

/** Decodes consecutive records, stopping at the first invalid one. */
export function decodeRecords(buf: Buffer): DecodedRecords {
  const records: unknown[] = [];
  let offset = 0;
  while (offset + HEADER <= buf.length) {
    const length = buf.readUInt32LE(offset);
    const checksum = buf.readUInt32LE(offset + 4);
    const end = offset + HEADER + length;
    if (length === 0 || end > buf.length) break;
    const body = buf.subarray(offset + HEADER, end);
    if (crc32(body) !== checksum) break;
    try {
      records.push(JSON.parse(body.toString('utf8')));
    } catch {
      break;
    }
    offset = end;
  }
  return { records, validLength: offset, torn: offset < buf.length };
}
