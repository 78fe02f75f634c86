/**
 * Durability under SIGKILL: a child process writes through the SQLite engine (synchronous=FULL, group
 * commit) and logs every acknowledged write; it is killed three times mid-stream, each time reopening the
 * same data directory (taking over the dead process's lock). Every acknowledged write must then be there.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';

const CHILD = join(import.meta.dirname, 'sqlite-kill-child.ts');
let dir = '';

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the writer until it has acknowledged `acks` writes, then SIGKILLs it; returns id → highest vid. */
function writeThenKill(round: number, acks: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Map<string, number>();
    let buffer = '';
    let stderr = '';
    let count = 0;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [word, id, vid] = line.split(' ');
        if (word !== 'ack') continue;
        acked.set(id, Math.max(acked.get(id) ?? 0, Number(vid)));
        if (++count === acks) child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

test('every acknowledged write survives three SIGKILLs of the writer', async () => {
  dir = await mkdtemp(join(tmpdir(), 'ccm-sqlite-kill-'));
  const acked = new Map<string, number>();
  for (let round = 0; round < 3; round++) {
    const got = await writeThenKill(round, 300 + round * 100);
    expect(got.size).toBeGreaterThan(0);
    for (const [id, vid] of got) acked.set(id, vid);
  }
  const storage = await openSqliteStorage({ dataDir: dir, warn: () => undefined });
  const repo = storage.repository({
    extract: () => ({ sp: {}, comp: [] }),
    paramType: () => undefined,
    indexKeys: () => [],
    clock: () => new Date(),
  });
  const missing: string[] = [];
  for (const [id, vid] of acked) {
    const doc = await repo.read('Basic', id, { fields: 'id' });
    if (!doc || doc.vid < vid) missing.push(`${id}@${vid} (found ${doc?.vid ?? 'nothing'})`);
  }
  expect(missing).toEqual([]);
  expect(await storage.check()).toEqual({ ok: true, problems: [] });
  await storage.close();
});
