/**
 * A small reader of gzipped tar archives (POSIX ustar with pax headers, as npm packages are made):
 * enough to pull a few JSON files out of a FHIR package without a tar dependency.
 */
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

function field(buf: Buffer, start: number, length: number): string {
  const raw = buf.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

function octal(buf: Buffer, start: number, length: number): number {
  const s = field(buf, start, length).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

/** `path=...` of a pax extended header, when present. */
function paxPath(body: Buffer): string | undefined {
  for (const line of body.toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** Reads every regular file of a .tgz into a map from path to content. */
export function readTgz(data: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(data);
  const files = new Map<string, Buffer>();
  let offset = 0;
  let nextName: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = field(header, 345, 155);
    const name = field(header, 0, 100);
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    if (type === 'x') nextName = paxPath(body);
    else if (type === '0' || type === '\0') {
      files.set(nextName ?? (prefix ? `${prefix}/${name}` : name), Buffer.from(body));
      nextName = undefined;
    } else nextName = undefined;
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
