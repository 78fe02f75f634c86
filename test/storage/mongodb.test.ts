/** Runs the storage contract on a real MongoDB (replica set, for transactions) named by MONGODB_URI. */
import { randomUUID } from 'node:crypto';
import { test } from '@jest/globals';
import { openMongoStore } from '../../server/storage/mongodb/mongo-store.js';
import { runStorageContract } from './contract.js';

const uri = process.env.MONGODB_URI;

if (uri) {
  runStorageContract('mongodb', () =>
    openMongoStore(uri, { dbName: `ccm_contract_${randomUUID().slice(0, 8)}` }),
  );
} else {
  test.skip('MONGODB_URI is not set: the MongoDB contract run is skipped', () => undefined);
}
