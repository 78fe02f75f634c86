/**
 * Embedded engine: one process per data directory. Opening a directory takes a lock file in it; a second
 * open (in this process or another) refuses, naming the directory; closing releases it; a lock left by a
 * process that is gone is taken over with a warning.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { openEmbeddedStore } from '../../server/storage/embedded/embedded-store.js';
import { nodeStorageFs, type StorageFs } from '../../server/storage/embedded/storage-fs.js';
import { ROOT } from '../helpers/server-process.js';

const root = mkdtempSync(join(tmpdir(), 'ccm-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const LOCK_FILE = 'ccm-fhir.lock';
const freshDir = (): string => join(root, `d${++dirs}`);

/** Runs `node --import tsx server/main.ts` on `dataDir`; resolves with its exit code and output. */
function runServer(dataDir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve({ code, output }));
    // A server that did start would print its base URL: stop it, the test then fails on the exit code.
    child.stdout.on('data', () => {
      if (/FHIR base:/.test(output)) child.kill('SIGTERM');
    });
  });
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

describe('one process per data directory', () => {
  test('a second open in the same process fails naming the directory; after close it opens again', async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dataDir: dir });
    await store.collection('c').insertOne({ _id: 'a' });
    await expect(openEmbeddedStore({ dataDir: dir })).rejects.toThrow(dir);
    await expect(openEmbeddedStore({ dataDir: dir })).rejects.toThrow(/in use/);
    expect(await store.collection('c').countDocuments({})).toBe(1); // the holder is unharmed
    await store.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = await openEmbeddedStore({ dataDir: dir });
    expect(await again.collection('c').countDocuments({})).toBe(1);
    await again.close();
  });

  test('a second server process on the same DATA_DIR exits non-zero and names the directory', async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dataDir: dir });
    try {
      const { code, output } = await runServer(dir);
      expect(code).not.toBe(0);
      expect(output).toContain(dir);
      expect(output).toMatch(/in use/);
      expect(output).toContain(`pid ${process.pid}`);
    } finally {
      await store.close();
    }
  }, 60000);

  test('a lock left by a process that is gone is taken over, with a warning', async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const pid = await deadPid();
    const stale = { pid, host: hostname(), since: '2020-01-01T00:00:00.000Z', dir };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
    const warnings: string[] = [];
    const store = await openEmbeddedStore({ dataDir: dir, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`pid ${pid}`);
    expect(warnings[0]).toContain(dir);
    const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(process.pid);
    await expect(openEmbeddedStore({ dataDir: dir })).rejects.toThrow(/in use/);
    await store.close();
  });

  test('a lock held on another host is not taken over', async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const other = { pid: 1, host: `not-${hostname()}`, since: '2020-01-01T00:00:00.000Z', dir };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(other));
    await expect(openEmbeddedStore({ dataDir: dir })).rejects.toThrow(`not-${hostname()}`);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toEqual(other);
  });

  test('a lock file that cannot be written (a full disk) fails the open and is not left behind', async () => {
    const dir = freshDir();
    const fs: StorageFs = {
      ...nodeStorageFs,
      writeFile: async (path, _data, options) => {
        await nodeStorageFs.writeFile(path, '', options); // created, then the content does not fit
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    await expect(openEmbeddedStore({ dataDir: dir, fs })).rejects.toThrow(
      /lock file .* could not be written/,
    );
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const store = await openEmbeddedStore({ dataDir: dir });
    await store.close();
  });
});
