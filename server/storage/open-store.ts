/** Chooses the storage engine: MongoDB when a URI is configured, the embedded engine otherwise. */
import { openEmbeddedStore } from './embedded/embedded-store.js';
import { openMongoStore } from './mongodb/mongo-store.js';
import { DocumentStorage } from './mongodb/storage.js';
import type { Storage } from './repository.js';

/** Storage configuration. */
export interface StoreConfig {
  /** `mongodb://` or `mongodb+srv://` URI; selects the MongoDB engine when set. */
  mongodbUri?: string;
  /** Database name for MongoDB (default: the URI's). */
  mongodbDb?: string;
  /** Embedded engine data directory; null keeps data in memory only. */
  dataDir: string | null;
  /** Embedded engine: compact once the journal exceeds this many bytes. */
  compactAfterBytes?: number;
}

/** Opens the configured store. */
export async function openStore(config: StoreConfig): Promise<Storage> {
  if (config.mongodbUri) {
    return new DocumentStorage(await openMongoStore(config.mongodbUri, { dbName: config.mongodbDb }));
  }
  return new DocumentStorage(
    await openEmbeddedStore({ dataDir: config.dataDir, compactAfterBytes: config.compactAfterBytes }),
  );
}
