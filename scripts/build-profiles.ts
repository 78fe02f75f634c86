/**
 * npm run profiles:build — regenerates profiles/ (StructureDefinitions with snapshots, CodeSystems,
 * ValueSets, SearchParameters, OperationDefinitions, the CCM ImplementationGuide and CapabilityStatement, the
 * US Core 6.1.0 copy) and the CCM FHIR package built from them (packages/org.ccm-fhir.ccm-<version>.tgz).
 * `--out DIR` writes the profiles elsewhere, `--packages-out DIR` the package; `--check` only reports
 * whether both are up to date (exit 1 when not).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CCM_PACKAGE } from '../server/ccm/vocabulary.js';
import { buildProfiles } from './profiles/build.js';
import { PACKAGE_FILE, packageTar } from './profiles/package.js';
import { defaultTgzPath } from './profiles/us-core.js';
import { comparePackage, compareWithDir, writeFiles, writePackage } from './profiles/write.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const profilesDir = path.join(repoRoot, 'profiles');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? path.resolve(args[i + 1]) : fallback;
};
const outDir = option('--out', profilesDir);
const packagesDir = option('--packages-out', path.join(repoRoot, 'packages'));

const files = await buildProfiles({ usCoreTgz: defaultTgzPath(repoRoot), profilesDir });
const tar = packageTar(files);
if (args.includes('--check')) {
  const problems = [
    ...compareWithDir(outDir, files),
    ...comparePackage(packagesDir, PACKAGE_FILE, CCM_PACKAGE.name, tar).map((p) => `${p} (packages/)`),
  ];
  process.stdout.write(
    problems.length === 0 ? 'profiles/ and the CCM package are up to date\n' : `${problems.join('\n')}\n`,
  );
  process.exit(problems.length === 0 ? 0 : 1);
}
const report = writeFiles(outDir, files);
process.stdout.write(
  `${files.size} files: ${report.written.length} written, ${report.unchanged} unchanged, ${report.removed.length} removed (${outDir})\n`,
);
const pkg = writePackage(packagesDir, PACKAGE_FILE, CCM_PACKAGE.name, tar);
process.stdout.write(
  `${PACKAGE_FILE}: ${pkg.written.length ? 'written' : 'unchanged'}` +
    `${pkg.removed.length ? `; removed ${pkg.removed.join(', ')}` : ''} (${packagesDir})\n`,
);
