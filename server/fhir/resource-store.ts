/**
 * The FHIR layer's view of storage: versioned resources behind the repository seam
 * (storage/repository.ts), implemented natively by each engine.
 */
export {
  StaleVersion,
  VersionConflict,
  type Fields,
  type HistoryDoc,
  type ResourceDoc,
  type SearchIndex,
  type Where,
  type WriteResult,
} from '../storage/repository.js';
export { storedJson } from '../storage/stored-json.js';
import type { ResourceRepository } from '../storage/repository.js';

/** Versioned storage of FHIR resources (the engine's repository). */
export type ResourceStore = ResourceRepository;
