/** Chooses the storage engine: MongoDB when a URI is configured, SQLite otherwise. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DB_FILE, openSqliteStorage, SqliteStoreError } from './sqlite/index.js';
import { legacyFiles } from './sqlite/maintenance.js';
import { openMongoStore } from './mongodb/mongo-store.js';
import { DocumentStorage } from './mongodb/storage.js';
import type { Storage } from './repository.js';

/** Storage configuration. */
export interface StoreConfig {
  /** `mongodb://` or `mongodb+srv://` URI; selects the MongoDB engine when set. */
  mongodbUri?: string;
  /** Database name for MongoDB (default: the URI's). */
  mongodbDb?: string;
  /** SQLite engine: the data directory; null = an ephemeral store removed on close (tests). */
  dataDir: string | null;
  /** SQLite engine: `synchronous` (default FULL). */
  synchronous?: 'FULL' | 'NORMAL';
}

/** Opens the configured store. */
export async function openStore(config: StoreConfig): Promise<Storage> {
  if (config.mongodbUri) {
    return new DocumentStorage(await openMongoStore(config.mongodbUri, { dbName: config.mongodbDb }));
  }
  if (config.dataDir && !existsSync(join(config.dataDir, DB_FILE))) {
    const legacy = legacyFiles(config.dataDir);
    if (legacy.length > 0) {
      throw new SqliteStoreError(
        `${config.dataDir} holds data of the engine before SQLite (${legacy.join(', ')}), which this version ` +
          'cannot read. Nothing was changed. Convert it: run npm run migrate with the same DATA_DIR (the old ' +
          'files are kept in a backup folder); or start with another DATA_DIR.',
        'LegacyDataDir',
      );
    }
  }
  return openSqliteStorage({ dataDir: config.dataDir, synchronous: config.synchronous });
}
