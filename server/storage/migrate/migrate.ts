/**
 * Migrates a data directory of the engine before SQLite in place (`npm run migrate`):
 *
 * 1. takes the directory's lock (no server may run on it) and reads the old files into memory
 *    (legacy-reader.ts: damage is refused, a torn tail is ignored; no file is changed);
 * 2. builds a new database in `DATA_DIR/ccm-fhir.sqlite.migrating` (synchronous NORMAL, transactions of
 *    about BATCH documents): each resource type collection through `SqliteRepository.restore` (same vid,
 *    lu, method, deleted and bodies; index rows extracted again), every other collection (auth state, keys,
 *    bulk jobs, conditional keys...) into the auxiliary table as it is;
 * 3. counts what the database holds (current versions per type including tombstones, history entries per
 *    type, documents per auxiliary collection) against what was read;
 * 4. renames the file to `ccm-fhir.sqlite`, and only then moves the old files into
 *    `DATA_DIR/pre-sqlite-backup-<timestamp>/` (kept; deleting them is the operator's call).
 *
 * Any failure before the rename removes the `.migrating` file and leaves the old files as they were.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredDocument } from '../document-collection.js';
import { ALL, type HistoryDoc, type RepositoryDeps, type ResourceDoc } from '../repository.js';
import { DirLock } from '../sqlite/dir-lock.js';
import { legacyFiles } from '../sqlite/maintenance.js';
import type { SqliteRepository } from '../sqlite/repository.js';
import { DB_FILE, SqliteStorage } from '../sqlite/storage.js';
import { isLegacyFile, LegacyDataError, readLegacyDataDir, type LegacyData } from './legacy-reader.js';

/** The file the database is built in, renamed to DB_FILE once complete and counted. */
export const MIGRATING_FILE = `${DB_FILE}.migrating`;
/** The collection of history entries in the old engine. */
const HISTORY = 'history';
/** Documents (current versions, history entries, auxiliary documents) per transaction. */
const BATCH = 5000;
const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Options of `migrateDataDir`. */
export interface MigrateOptions {
  dataDir: string;
  /** The FHIR layer's dependencies (index extraction), built as the server builds them. */
  deps: RepositoryDeps;
  /** True for the collection names that are resource types (the others are auxiliary collections). */
  isResourceType: (name: string) => boolean;
  /**
   * Records in the new store what its index was extracted with (fhir/runtime-params/state.ts), so that the
   * server does not take it for a store written before that was recorded.
   */
  recordIndex?: (store: SqliteStorage) => Promise<void>;
  /** Documents written so far of the total. */
  progress?: (done: number, total: number) => void;
  /** Warnings (a stale lock taken over). */
  warn?: (message: string) => void;
  /** The instant in the backup folder's name (default now). */
  now?: () => Date;
}

/** Documents per collection: resource types (current versions incl. tombstones), history, auxiliary. */
export interface MigrationCounts {
  resources: Record<string, number>;
  history: Record<string, number>;
  aux: Record<string, number>;
}

/** What `migrateDataDir` did. */
export type MigrationReport =
  | { status: 'nothing'; reason: string }
  | {
      status: 'migrated';
      database: string;
      backupDir: string;
      moved: string[];
      counts: MigrationCounts;
      read: Pick<LegacyData, 'snapshot' | 'journals' | 'records' | 'tornBytes'>;
    };

/** A resource with its history, ready for `restore`. */
interface ResourceEntry {
  type: string;
  current: ResourceDoc;
  history: HistoryDoc[];
}

/** Thrown when the data are not what the old resource store wrote (nothing is migrated). */
function inconsistent(what: string): LegacyDataError {
  return new LegacyDataError(
    `The old data are inconsistent: ${what}. Nothing was migrated and no file was changed.`,
  );
}

/** Splits the collections read into resources (with their history) and auxiliary collections. */
export function planMigration(
  data: LegacyData,
  isResourceType: (name: string) => boolean,
): { resources: ResourceEntry[]; aux: Map<string, StoredDocument[]>; expected: MigrationCounts } {
  const expected: MigrationCounts = { resources: {}, history: {}, aux: {} };
  const byKey = new Map<string, ResourceEntry>();
  const aux = new Map<string, StoredDocument[]>();
  for (const [name, docs] of data.collections) {
    if (name === HISTORY) continue;
    if (!isResourceType(name)) {
      aux.set(name, [...docs.values()]);
      expected.aux[name] = docs.size;
      continue;
    }
    expected.resources[name] = docs.size;
    for (const doc of docs.values()) {
      const current = doc as unknown as ResourceDoc;
      checkCurrent(name, current);
      byKey.set(`${name}/${current._id}`, { type: name, current, history: [] });
    }
  }
  for (const doc of data.collections.get(HISTORY)?.values() ?? []) {
    const h = doc as unknown as HistoryDoc;
    const entry = byKey.get(`${String(h.t)}/${String(h.rid)}`);
    if (!entry) throw inconsistent(`history entry ${h._id} belongs to no current resource`);
    checkHistory(h);
    entry.history.push(h);
    expected.history[h.t] = (expected.history[h.t] ?? 0) + 1;
  }
  for (const e of byKey.values()) e.history.sort((a, b) => a.vid - b.vid);
  return { resources: [...byKey.values()], aux, expected };
}

function checkCurrent(type: string, doc: ResourceDoc): void {
  const where = `${type}/${doc._id}`;
  if (!Number.isInteger(doc.vid) || doc.vid < 1 || typeof doc.lu !== 'string')
    throw inconsistent(`${where} has no valid vid and lu`);
  if (!doc.deleted && doc.resource?.resourceType !== type)
    throw inconsistent(`${where} is neither deleted nor holds a ${type}`);
}

function checkHistory(h: HistoryDoc): void {
  if (
    !Number.isInteger(h.vid) ||
    typeof h.lu !== 'string' ||
    !METHODS.has(h.method) ||
    h._id !== `${h.t}/${h.rid}/${h.vid}`
  )
    throw inconsistent(`history entry ${String(h._id)} is malformed`);
}

/** The timestamp of a backup folder's name (an ISO instant without `:` and `.`). */
function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/** Removes the database being built and its WAL files. */
async function removeBuild(dataDir: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    await rm(join(dataDir, MIGRATING_FILE + suffix), { force: true });
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes the planned documents into `store` in transactions of about BATCH documents. */
async function writeAll(
  store: SqliteStorage,
  repo: SqliteRepository,
  plan: ReturnType<typeof planMigration>,
  progress?: (done: number, total: number) => void,
): Promise<void> {
  const auxDocs = [...plan.aux].flatMap(([name, docs]) => docs.map((doc) => [name, doc] as const));
  const total = plan.resources.reduce((n, e) => n + 1 + e.history.length, 0) + auxDocs.length;
  let done = 0;
  let r = 0;
  let a = 0;
  progress?.(0, total);
  while (r < plan.resources.length || a < auxDocs.length) {
    await store.transaction(async (tx) => {
      let inBatch = 0;
      for (; r < plan.resources.length && inBatch < BATCH; r++) {
        const e = plan.resources[r];
        await repo.restore(e.type, e.current, e.history, tx);
        inBatch += 1 + e.history.length;
      }
      for (; a < auxDocs.length && inBatch < BATCH; a++) {
        const [name, doc] = auxDocs[a];
        await store.aux(name).insertOne(doc, { session: tx });
        inBatch++;
      }
      done += inBatch;
    });
    progress?.(done, total);
  }
}

/** Counts what the database holds, as `MigrationCounts` for the collections of `expected`. */
async function countStored(
  store: SqliteStorage,
  repo: SqliteRepository,
  expected: MigrationCounts,
): Promise<MigrationCounts> {
  const found: MigrationCounts = { resources: {}, history: {}, aux: {} };
  const types = new Set([...Object.keys(expected.resources), ...(await repo.types())]);
  for (const type of types) {
    const docs = await repo.find(type, ALL, { fields: 'id', includeDeleted: true });
    found.resources[type] = docs.length;
    const history = await repo.historyCount({ type });
    if (history > 0 || expected.history[type] !== undefined) found.history[type] = history;
  }
  for (const name of Object.keys(expected.aux)) found.aux[name] = await store.aux(name).countDocuments({});
  return found;
}

/** The differences between two counts, as text (empty when they agree). */
function differences(expected: MigrationCounts, found: MigrationCounts): string[] {
  const out: string[] = [];
  for (const part of ['resources', 'history', 'aux'] as const) {
    const names = new Set([...Object.keys(expected[part]), ...Object.keys(found[part])]);
    for (const name of names) {
      const [want, got] = [expected[part][name] ?? 0, found[part][name] ?? 0];
      if (want !== got) out.push(`${part} ${name}: read ${want}, stored ${got}`);
    }
  }
  return out;
}

/** Migrates `opts.dataDir` (see the module comment). */
export async function migrateDataDir(opts: MigrateOptions): Promise<MigrationReport> {
  const { dataDir } = opts;
  if (!existsSync(dataDir)) throw new Error(`${dataDir} does not exist`);
  const legacy = legacyFiles(dataDir);
  if (existsSync(join(dataDir, DB_FILE))) {
    const left =
      legacy.length > 0 ? ` (files of the earlier engine are still there: ${legacy.join(', ')})` : '';
    return { status: 'nothing', reason: `${dataDir} already holds the SQLite database ${DB_FILE}${left}` };
  }
  if (legacy.length === 0)
    return { status: 'nothing', reason: `${dataDir} holds no data of the engine before SQLite` };
  const lock = await DirLock.acquire(dataDir, opts.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`)));
  try {
    await removeBuild(dataDir);
    const data = await readLegacyDataDir(dataDir);
    const plan = planMigration(data, opts.isResourceType);
    const counts = await build(dataDir, plan, opts);
    await rename(join(dataDir, MIGRATING_FILE), join(dataDir, DB_FILE));
    await fsyncPath(dataDir);
    const { backupDir, moved } = await moveOldFiles(dataDir, opts.now?.() ?? new Date());
    const { snapshot, journals, records, tornBytes } = data;
    return {
      status: 'migrated',
      database: join(dataDir, DB_FILE),
      backupDir,
      moved,
      counts,
      read: { snapshot, journals, records, tornBytes },
    };
  } finally {
    await lock.release();
  }
}

/** Builds and counts the database in MIGRATING_FILE; on any failure removes it. */
async function build(
  dataDir: string,
  plan: ReturnType<typeof planMigration>,
  opts: MigrateOptions,
): Promise<MigrationCounts> {
  let store: SqliteStorage | undefined;
  try {
    store = await SqliteStorage.open({ dataDir, synchronous: 'NORMAL', buildFile: MIGRATING_FILE });
    const repo = store.repository(opts.deps) as SqliteRepository;
    await writeAll(store, repo, plan, opts.progress);
    await opts.recordIndex?.(store);
    const found = await countStored(store, repo, plan.expected);
    const diff = differences(plan.expected, found);
    if (diff.length > 0)
      throw new Error(
        `the new database does not hold what was read (${diff.join('; ')}); nothing was migrated`,
      );
    await store.close();
    store = undefined;
    await fsyncPath(join(dataDir, MIGRATING_FILE));
    return found;
  } catch (err) {
    await store?.close().catch(() => undefined);
    await removeBuild(dataDir);
    throw err;
  }
}

/** Moves the old engine's files into a new backup folder of `dataDir`; returns it and the names moved. */
async function moveOldFiles(dataDir: string, now: Date): Promise<{ backupDir: string; moved: string[] }> {
  const backupDir = join(dataDir, `pre-sqlite-backup-${stamp(now)}`);
  await mkdir(backupDir);
  const moved: string[] = [];
  try {
    for (const name of readdirSync(dataDir).filter(isLegacyFile).sort()) {
      await rename(join(dataDir, name), join(backupDir, name));
      moved.push(name);
    }
    await fsyncPath(dataDir);
  } catch (err) {
    throw new Error(
      `The data were migrated into ${join(dataDir, DB_FILE)}, but moving the old files into ${backupDir} ` +
        `failed after ${moved.length} of them (${(err as Error).message}): move the others there by hand.`,
    );
  }
  return { backupDir, moved };
}
