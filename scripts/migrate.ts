/**
 * npm run migrate: converts a data directory of the engine before SQLite (journal-N.log and
 * snapshot-N.snap files) in DATA_DIR (default ./data) into the SQLite database DATA_DIR/ccm-fhir.sqlite,
 * counts what it wrote against what it read, and then moves the old files into
 * DATA_DIR/pre-sqlite-backup-<timestamp>/ (kept). The server must be stopped. BASE_URL should be the
 * server's (absolute references to it are indexed as local ones). See server/storage/migrate/migrate.ts.
 */
import { loadConfig } from '../server/config.js';
import { migrationSetup } from '../server/storage/migrate/fhir-deps.js';
import { migrateDataDir } from '../server/storage/migrate/migrate.js';

try {
  const config = loadConfig(process.env);
  if (config.mongodbUri)
    process.stderr.write(
      'note: MONGODB_URI is set, but the migration writes the SQLite database of DATA_DIR\n',
    );
  const tty = process.stderr.isTTY;
  let last = -1;
  const report = await migrateDataDir({
    dataDir: config.dataDir,
    ...migrationSetup(config.baseUrl, config.igPackagesDir),
    progress: (done, total) => {
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      if (tty && pct !== last) process.stderr.write(`\rmigrating: ${done} of ${total} documents (${pct}%)`);
      last = pct;
    },
  });
  if (tty) process.stderr.write('\n');
  if (report.status === 'nothing') {
    process.stdout.write(`nothing to migrate: ${report.reason}\n`);
  } else {
    const { counts, read } = report;
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    const types = Object.entries(counts.resources).map(([t, n]) => `${t} ${n}`);
    process.stdout.write(
      `migrated ${config.dataDir} into ${report.database}\n` +
        `  read: ${read.snapshot ?? 'no snapshot'} + ${read.journals.length} journal(s), ${read.records} records` +
        (read.tornBytes > 0 ? `, a torn last record of ${read.tornBytes} bytes ignored` : '') +
        '\n' +
        `  resources (current versions incl. deleted): ${sum(counts.resources)} (${types.join(', ') || 'none'})\n` +
        `  history entries: ${sum(counts.history)}; auxiliary documents: ${sum(counts.aux)} ` +
        `(${
          Object.entries(counts.aux)
            .map(([c, n]) => `${c} ${n}`)
            .join(', ') || 'none'
        })\n` +
        `  counts verified; the old files (${report.moved.join(', ')}) were moved into ${report.backupDir}\n` +
        '  (kept: delete that folder once the server runs well on the new database)\n',
    );
  }
} catch (err) {
  if (process.stderr.isTTY) process.stderr.write('\n');
  process.stderr.write(`migration failed: ${(err as Error).message}\n`);
  process.exit(1);
}
