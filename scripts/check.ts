/**
 * npm run check [-- --quick]: the integrity check of the SQLite database of DATA_DIR (default ./data),
 * read-only, while the server runs or not. Exit code 0 when it is sound, 1 with the problems otherwise.
 */
import path from 'node:path';
import { checkDataDir } from '../server/storage/sqlite/maintenance.js';

const dataDir = path.resolve(process.env.DATA_DIR || './data');
try {
  const result = checkDataDir(dataDir, process.argv.includes('--quick'));
  if (result.ok) {
    process.stdout.write(`${dataDir}: the database is sound\n`);
  } else {
    process.stdout.write(
      `${dataDir}: ${result.problems.length} problem(s)\n${result.problems.slice(0, 50).join('\n')}\n`,
    );
    process.exit(1);
  }
} catch (err) {
  process.stderr.write(`check failed: ${(err as Error).message}\n`);
  process.exit(1);
}
