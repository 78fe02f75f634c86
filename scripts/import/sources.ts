/**
 * The files an import reads: `.json` / `.json.gz` (a Bundle) and `.ndjson` / `.ndjson.gz` (one resource a
 * line, as Bulk Data exports write them), found in the given files and, recursively, directories.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync, createGunzip } from 'node:zlib';

export type SourceKind = 'bundle' | 'ndjson';

/** One input file. */
export interface Source {
  path: string;
  kind: SourceKind;
  gz: boolean;
  /** Synthea's hospital and practitioner bundles, which patient bundles reference conditionally: loaded first. */
  first: boolean;
}

/** A source for a file name, or null when the extension is not one the importer reads. */
export function sourceOf(file: string): Source | null {
  const m = /\.(json|ndjson)(\.gz)?$/i.exec(file);
  if (!m) return null;
  const base = path.basename(file);
  return {
    path: file,
    kind: m[1].toLowerCase() === 'json' ? 'bundle' : 'ndjson',
    gz: m[2] !== undefined,
    first: /(hospital|practitioner)Information/i.test(base),
  };
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(full, out);
    else if (e.isFile() && sourceOf(full)) out.push(full);
  }
}

/** Expands the arguments into sources; a named file with another extension is an error. */
export async function discover(args: string[]): Promise<Source[]> {
  const files: string[] = [];
  for (const arg of args) {
    const s = await stat(arg).catch(() => null);
    if (!s) throw new Error(`${arg}: no such file or directory`);
    if (s.isDirectory()) await walk(arg, files);
    else if (sourceOf(arg)) files.push(arg);
    else throw new Error(`${arg}: not a .json, .json.gz, .ndjson or .ndjson.gz file`);
  }
  const sources = [...new Set(files)].map((f) => sourceOf(f) as Source);
  return [...sources.filter((s) => s.first), ...sources.filter((s) => !s.first)];
}

/** The whole text of a (possibly gzipped) file. */
export async function readText(src: Source): Promise<string> {
  return textOf(src, await readFile(src.path));
}

/** The text of a (possibly gzipped) file's bytes. */
export function textOf(src: Source, raw: Buffer): string {
  return (src.gz ? gunzipSync(raw) : raw).toString('utf8');
}

/** The non-blank lines of an NDJSON file with their 1-based line numbers, streamed. */
export async function* ndjsonLines(src: Source): AsyncGenerator<{ line: number; text: string }> {
  const input = createReadStream(src.path);
  const rl = createInterface({ input: src.gz ? input.pipe(createGunzip()) : input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() !== '') yield { line, text };
  }
}
