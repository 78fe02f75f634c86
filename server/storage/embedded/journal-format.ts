/**
 * Record framing shared by the journal and the snapshot files:
 * `[u32 LE payload length][u32 LE crc32(payload)][payload: UTF-8]`.
 * A reader accepts records up to the first one that is incomplete, has a bad checksum, is empty or does not
 * parse: that point is the end of the valid data (a torn write at a crash).
 *
 * A journal payload is either a JSON array of operations, or (written since the journal is replayed lazily)
 * a segmented record: `@` and a JSON array `[collection, byteLength, ...]` and `\n`, followed by one JSON
 * array of operations per collection, in the order of that header; or, when all its operations are on one
 * collection, `@`, the collection as a JSON string, and the JSON array of its operations. Operations on different collections commute, so a
 * record's operations are grouped by collection (keeping their order within each one), and recovery can
 * leave each segment unparsed until its collection is used. Records declaring an index stay arrays: index
 * definitions are needed at open.
 */
import { crc32 } from 'node:zlib';
import { scanFrames } from './frame-reader.js';
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

const OP_COLLECTION = /^\{"c":("(?:[^"\\]|\\.)*"),"(put|del|idx)":/;
const SEGMENTED = 0x40; // '@': never the first byte of a JSON array record

/** The collection of a serialised operation, or null for an index declaration (or an unknown shape). */
function opCollection(op: string): string | null {
  const m = OP_COLLECTION.exec(op.length > 300 ? op.slice(0, 300) : op);
  return m && m[2] !== 'idx' ? m[1] : null;
}

/** Frames a record holding already-serialised operations (segmented by collection, see above). */
export function encodeOps(serialized: readonly string[]): Buffer {
  const groups = new Map<string, string[]>();
  for (const op of serialized) {
    const c = opCollection(op);
    if (c === null) return frame(`[${serialized.join(',')}]`);
    const group = groups.get(c);
    if (group) group.push(op);
    else groups.set(c, [op]);
  }
  if (groups.size === 1) return frame(`@${[...groups.keys()][0]}[${serialized.join(',')}]`);
  const segs: string[] = [];
  const bodies: string[] = [];
  for (const [c, ops] of groups) {
    const body = `[${ops.join(',')}]`;
    segs.push(`${c},${Buffer.byteLength(body, 'utf8')}`);
    bodies.push(body);
  }
  return frame(`@[${segs.join(',')}]\n${bodies.join('')}`);
}

/** A journal payload: parsed operations (an array record), or unparsed segments per collection. */
export type RecordContent = { ops: JournalOp[] } | { segments: Array<[collection: string, ops: Buffer]> };

/** Splits a journal payload; parses only the header of a segmented record. Throws when it is malformed. */
export function recordContent(body: Buffer): RecordContent {
  if (body[0] !== SEGMENTED) {
    const ops: unknown = JSON.parse(body.toString('utf8'));
    if (!Array.isArray(ops)) throw new Error('journal record is not an array');
    return { ops: ops as JournalOp[] };
  }
  if (body[1] === QUOTE) {
    const end = stringEnd(body, 2);
    const name: unknown = JSON.parse(body.toString('utf8', 1, end));
    if (typeof name !== 'string' || body[end] !== 0x5b) throw new Error('journal record with a bad header');
    return { segments: [[name, body.subarray(end)]] };
  }
  const newline = body.indexOf(10);
  if (newline < 0) throw new Error('journal record without a header');
  const head: unknown = JSON.parse(body.toString('utf8', 1, newline));
  if (!Array.isArray(head)) throw new Error('journal record with a bad header');
  const segments: Array<[string, Buffer]> = [];
  let offset = newline + 1;
  for (let i = 0; i < head.length; i += 2) {
    const [c, length] = [head[i], head[i + 1]];
    if (typeof c !== 'string' || typeof length !== 'number' || offset + length > body.length)
      throw new Error('journal record with a bad segment');
    segments.push([c, body.subarray(offset, offset + length)]);
    offset += length;
  }
  if (offset !== body.length) throw new Error('journal record with bytes after its segments');
  return { segments };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The index after the JSON string literal whose contents start at `from` (after its opening quote). */
function stringEnd(body: Buffer, from: number): number {
  for (let i = from; i < body.length; i++) {
    if (body[i] === BACKSLASH) i++;
    else if (body[i] === QUOTE) return i + 1;
  }
  throw new Error('journal record with an unterminated header');
}

/** Parses one segment of a segmented record (the operations of one collection). */
export function parseSegment(segment: Buffer): JournalOp[] {
  return JSON.parse(segment.toString('utf8')) as JournalOp[];
}

/** All operations of a journal payload, parsed (segments in order). */
function allOps(body: Buffer): JournalOp[] {
  const content = recordContent(body);
  if ('ops' in content) return content.ops;
  return content.segments.flatMap(([, seg]) => parseSegment(seg));
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
  /** The operations of each journal record. */
  records: JournalOp[][];
  /** Byte length of the complete, valid records. */
  validLength: number;
  /** True when bytes after `validLength` were ignored. */
  torn: boolean;
}

/** Decodes consecutive journal records fully, stopping at the first invalid one. */
export function decodeRecords(buf: Buffer): DecodedRecords {
  const records: JournalOp[][] = [];
  let validLength = 0;
  for (const body of scanFrames(buf).bodies) {
    try {
      records.push(allOps(body));
    } catch {
      break;
    }
    validLength += HEADER + body.length;
  }
  return { records, validLength, torn: validLength < buf.length };
}
