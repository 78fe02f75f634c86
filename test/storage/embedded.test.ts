/** Runs the storage contract on the embedded engine, in memory and with a data directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from '@jest/globals';
import { openEmbeddedStore } from '../../server/storage/embedded/embedded-store.js';
import { runStorageContract } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'ccm-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runStorageContract('embedded (memory only)', () => openEmbeddedStore({ dataDir: null }));
runStorageContract('embedded (data directory)', () => openEmbeddedStore({ dataDir: join(dir, 'data') }));
