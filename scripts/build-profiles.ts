/**
 * npm run profiles:build — regenerates profiles/ (StructureDefinitions with snapshots, CodeSystems,
 * ValueSets, SearchParameters, the US Core 6.1.0 copy). `--out DIR` writes elsewhere; `--check` only
 * reports whether profiles/ is up to date (exit 1 when not).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProfiles } from './profiles/build.js';
import { defaultTgzPath } from './profiles/us-core.js';
import { compareWithDir, writeFiles } from './profiles/write.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const profilesDir = path.join(repoRoot, 'profiles');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outDir = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : profilesDir;

const files = await buildProfiles({ usCoreTgz: defaultTgzPath(repoRoot), profilesDir });
if (args.includes('--check')) {
  const problems = compareWithDir(outDir, files);
  process.stdout.write(problems.length === 0 ? 'profiles/ is up to date\n' : `${problems.join('\n')}\n`);
  process.exit(problems.length === 0 ? 0 : 1);
}
const report = writeFiles(outDir, files);
process.stdout.write(
  `${files.size} files: ${report.written.length} written, ${report.unchanged} unchanged, ${report.removed.length} removed (${outDir})\n`,
);
