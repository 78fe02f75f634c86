/** Public entry point of the MongoDB engine. */
export { openMongoStore, type MongoStoreOptions } from './mongo-store.js';
export { queryPlanFromExplain } from './explain.js';
