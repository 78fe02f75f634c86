/** Chooses the storage engine: MongoDB when a URI is configured, SQLite otherwise. */
import { openSqliteStorage } from './sqlite/index.js';
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
  return openSqliteStorage({ dataDir: config.dataDir, synchronous: config.synchronous });
}
