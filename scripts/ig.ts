/**
 * npm run ig -- list | add FILE.tgz
 *
 * The FHIR packages (IGs) the server validates against: `list` prints those in packages/ and IG_PACKAGES_DIR;
 * `add` checks that a package file is a FHIR R4 package and copies it into IG_PACKAGES_DIR (or packages/).
 * The server reads packages at start: restart it after adding one. Exit code 0, 1 on a bad package, 2 on usage.
 */
import { addPackage, listPackages } from '../server/fhir/packages/manage.js';
import { PackageError } from '../server/fhir/packages/package-set.js';

const USAGE = 'usage: npm run ig -- list | add FILE.tgz';
const dir = process.env.IG_PACKAGES_DIR || undefined;
const [command, ...args] = process.argv.slice(2);

function main(): number {
  if (command === 'list' && args.length === 0) {
    for (const p of listPackages(dir)) {
      process.stdout.write(`${p.name}#${p.version}  ${p.canonical ?? ''}  ${p.title ?? ''}  (${p.file})\n`);
    }
    return 0;
  }
  if (command === 'add' && args.length === 1) {
    try {
      const p = addPackage(args[0], dir);
      process.stdout.write(`added ${p.name}#${p.version} as ${p.file}; restart the server to load it\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof PackageError)) throw err;
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

process.exitCode = main();
