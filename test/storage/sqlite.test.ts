/** The repository contract on the SQLite engine, ephemeral and in a real data directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';
import { registerRepositoryContract } from './repository-contract.js';

registerRepositoryContract('sqlite (ephemeral)', () => openSqliteStorage({ dataDir: null }));

registerRepositoryContract('sqlite (data directory)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ccm-sqlite-contract-'));
  const storage = await openSqliteStorage({ dataDir: dir });
  const close = storage.close.bind(storage);
  storage.close = async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  };
  return storage;
});
