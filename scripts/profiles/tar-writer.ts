/**
 * A reproducible `.tgz` writer (POSIX ustar inside gzip, the form npm and FHIR packages use): the same entries
 * give the same bytes. Every entry has mode 0644, owner 0/0, no user or group name and one fixed mtime; the
 * entries are written in the order given; the gzip header carries no time stamp and the OS byte 255
 * ("unknown", RFC 1952 section 2.3.1), so that the host does not show through.
 */
import { gzipSync } from 'node:zlib';

const BLOCK = 512;
/** tar pads the archive to whole records of 20 blocks. */
const RECORD = 20 * BLOCK;

/** Writes `value` as a zero-padded octal number of `digits` digits and a NUL at `offset`. */
function octal(header: Buffer, offset: number, digits: number, value: number): void {
  const text = value.toString(8);
  if (text.length > digits) throw new Error(`tar: ${value} does not fit in ${digits} octal digits`);
  header.write(text.padStart(digits, '0'), offset, 'ascii');
  header[offset + digits] = 0;
}

/** `name` and `prefix` of a ustar header for `file` (a path of at most 255 bytes). */
function splitName(file: string): [string, string] {
  if (Buffer.byteLength(file) <= 100) return [file, ''];
  for (let i = file.indexOf('/'); i > 0; i = file.indexOf('/', i + 1)) {
    const prefix = file.slice(0, i);
    const name = file.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [name, prefix];
  }
  throw new Error(`tar: path too long for a ustar header: ${file}`);
}

/** The 512-byte ustar header of a regular file. */
function header(file: string, size: number, mtimeSeconds: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [name, prefix] = splitName(file);
  h.write(name, 0, 'utf8');
  octal(h, 100, 7, 0o644);
  octal(h, 108, 7, 0);
  octal(h, 116, 7, 0);
  octal(h, 124, 11, size);
  octal(h, 136, 11, mtimeSeconds);
  h.fill(0x20, 148, 156); // the checksum field counts as spaces while the checksum is computed
  h.write('0', 156, 'ascii');
  h.write('ustar\u000000', 257, 'ascii');
  h.write(prefix, 345, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  octal(h, 148, 6, sum);
  h[155] = 0x20;
  return h;
}

/** The uncompressed tar of `entries` (path → content, in that order), every mtime `mtime`. */
export function writeTar(entries: ReadonlyArray<readonly [string, Buffer]>, mtime: Date): Buffer {
  const seconds = Math.floor(mtime.getTime() / 1000);
  const parts: Buffer[] = [];
  for (const [file, body] of entries) {
    parts.push(header(file, body.length, seconds), body);
    const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // end of archive
  const length = parts.reduce((n, p) => n + p.length, 0);
  parts.push(Buffer.alloc((RECORD - (length % RECORD)) % RECORD));
  return Buffer.concat(parts);
}

/** Gzips a tar reproducibly: fixed compression level, no time stamp, OS "unknown". */
export function gzipTar(tar: Buffer): Buffer {
  const gz = gzipSync(tar, { level: 9 });
  gz.writeUInt32LE(0, 4); // MTIME
  gz[9] = 255; // OS
  return gz;
}

/** `.tgz` bytes of `entries`: writeTar then gzipTar. */
export function writeTgz(entries: ReadonlyArray<readonly [string, Buffer]>, mtime: Date): Buffer {
  return gzipTar(writeTar(entries, mtime));
}
