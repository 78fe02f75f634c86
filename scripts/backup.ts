/**
 * npm run backup -- FILE: an online, consistent copy of the SQLite database of DATA_DIR (default ./data)
 * into FILE, while the server runs or not. Restore: stop the server, copy FILE to DATA_DIR/ccm-fhir.sqlite
 * (removing ccm-fhir.sqlite-wal and -shm there), start it (README "Backup and restore").
 */
import path from 'node:path';
import { backupDataDir } from '../server/storage/sqlite/maintenance.js';

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: npm run backup -- FILE   (copies DATA_DIR/ccm-fhir.sqlite into FILE)\n');
  process.exit(2);
}
const dataDir = path.resolve(process.env.DATA_DIR || './data');
try {
  let last = -1;
  const pages = await backupDataDir(dataDir, path.resolve(target), (done, total) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (pct !== last && process.stderr.isTTY) process.stderr.write(`\rbacking up: ${pct}%`);
    last = pct;
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  process.stdout.write(`backup of ${dataDir} written to ${path.resolve(target)} (${pages} pages)\n`);
} catch (err) {
  process.stderr.write(`backup failed: ${(err as Error).message}\n`);
  process.exit(1);
}
