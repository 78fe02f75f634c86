/**
 * Writes the build's files into a folder and removes generated JSON files that the build no longer makes;
 * hand-written files (README.md) are never touched. Writes the CCM package into packages/ the same way.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { gzipTar } from './tar-writer.js';

function jsonFilesUnder(dir: string, prefix = ''): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(jsonFilesUnder(full, `${prefix}${name}/`));
    else if (name.endsWith('.json')) out.push(`${prefix}${name}`);
  }
  return out;
}

/** What a write changed. */
export interface WriteReport {
  written: string[];
  removed: string[];
  unchanged: number;
}

/** Writes `files` (relative path → content) under `outDir`, only where the content differs. */
export function writeFiles(outDir: string, files: Map<string, string>): WriteReport {
  const report: WriteReport = { written: [], removed: [], unchanged: 0 };
  for (const [rel, content] of files) {
    const full = path.join(outDir, rel);
    let old: string | undefined;
    try {
      old = readFileSync(full, 'utf8');
    } catch {
      old = undefined;
    }
    if (old === content) {
      report.unchanged++;
      continue;
    }
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
    report.written.push(rel);
  }
  for (const rel of jsonFilesUnder(outDir)) {
    if (!files.has(rel)) {
      rmSync(path.join(outDir, rel));
      report.removed.push(rel);
    }
  }
  return report;
}

/** Differences between `files` and what is under `dir`: missing, different and extra JSON files. */
export function compareWithDir(dir: string, files: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [rel, content] of files) {
    let old: string | undefined;
    try {
      old = readFileSync(path.join(dir, rel), 'utf8');
    } catch {
      problems.push(`missing ${rel}`);
      continue;
    }
    if (old !== content) problems.push(`differs ${rel}`);
  }
  for (const rel of jsonFilesUnder(dir)) if (!files.has(rel)) problems.push(`extra ${rel}`);
  return problems;
}

/** The tar inside a `.tgz` file, or undefined when the file is missing or not gzip. */
function tarOf(file: string): Buffer | undefined {
  try {
    return gunzipSync(readFileSync(file));
  } catch {
    return undefined;
  }
}

/** The other versions of the package `name` in `dir` (`name-*.tgz` but `keep`). */
function otherVersions(dir: string, name: string, keep: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((f) => f !== keep && f.startsWith(`${name}-`) && f.endsWith('.tgz')).sort();
}

/**
 * Writes the package `file` (its uncompressed `tar`) into `dir` unless the file there already holds the same
 * tar (compared uncompressed, so that another zlib build never counts as a change), and removes the other
 * versions of package `name`. Returns what it did.
 */
export function writePackage(dir: string, file: string, name: string, tar: Buffer): WriteReport {
  const report: WriteReport = { written: [], removed: [], unchanged: 0 };
  const full = path.join(dir, file);
  if (tarOf(full)?.equals(tar)) report.unchanged++;
  else {
    mkdirSync(dir, { recursive: true });
    writeFileSync(full, gzipTar(tar));
    report.written.push(file);
  }
  for (const old of otherVersions(dir, name, file)) {
    rmSync(path.join(dir, old));
    report.removed.push(old);
  }
  return report;
}

/** Differences between the package the build makes and the one in `dir`: missing, stale, other versions. */
export function comparePackage(dir: string, file: string, name: string, tar: Buffer): string[] {
  const problems: string[] = [];
  const current = tarOf(path.join(dir, file));
  if (!current) problems.push(`missing ${file}`);
  else if (!current.equals(tar)) problems.push(`stale ${file}`);
  for (const old of otherVersions(dir, name, file)) problems.push(`extra ${old}`);
  return problems;
}
