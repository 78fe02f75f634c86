/** Public entry point of the embedded engine. */
export {
  openEmbeddedStore,
  EmbeddedStore,
  type EmbeddedStoreOptions,
  type EmbeddedStoreStats,
} from './embedded-store.js';
export type { CompactionStep } from './persistence.js';
export {
  EmbeddedStoreError,
  hasErrorLabel,
  TRANSIENT_TRANSACTION_ERROR,
  WRITE_CONFLICT_CODE,
} from './errors.js';
