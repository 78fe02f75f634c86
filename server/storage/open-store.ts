/** Chooses the storage engine: MongoDB when a URI is configured, the embedded engine otherwise. */
import type { DocumentStore } from './document-collection.js';
import { openEmbeddedStore } from './embedded/embedded-store.js';
import { openMongoStore } from './mongodb/mongo-store.js';

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
export function openStore(config: StoreConfig): Promise<DocumentStore> {
  if (config.mongodbUri) return openMongoStore(config.mongodbUri, { dbName: config.mongodbDb });
  return openEmbeddedStore({ dataDir: config.dataDir, compactAfterBytes: config.compactAfterBytes });
}
