/**
 * Writes the build's files into a folder and removes generated JSON files that the build no longer makes;
 * hand-written files (README.md) are never touched.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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
