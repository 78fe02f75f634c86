/**
 * Runs the driver-level storage contract and the FHIR-level repository contract on a real MongoDB (replica set, for transactions) named by MONGODB_URI.
 * jest.config.js only includes this file when MONGODB_URI is set, and says so at the start of a run.
 */
import { randomUUID } from 'node:crypto';
import { openMongoStore } from '../../server/storage/mongodb/mongo-store.js';
import { runStorageContract } from './contract.js';
import { registerRepositoryContract } from './repository-contract.js';
import { openStore } from '../../server/storage/open-store.js';

const uri = process.env.MONGODB_URI;
if (!uri)
  throw new Error('test/storage/mongodb.test.ts needs MONGODB_URI (jest.config.js leaves it out otherwise)');

runStorageContract('mongodb', () =>
  openMongoStore(uri, { dbName: `ccm_contract_${randomUUID().slice(0, 8)}` }),
);

registerRepositoryContract('mongodb', async () =>
  openStore({ mongodbUri: uri, mongodbDb: `ccm_repo_${randomUUID().slice(0, 8)}`, dataDir: null }),
);
