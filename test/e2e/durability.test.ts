/**
 * Acceptance: durability. A stream of writes goes to a real server process, which is killed with SIGKILL
 * mid-stream; restarted on the same DATA_DIR it has every write that had been answered 2xx (0 lost), with
 * its history. A torn record at the journal's end (a crash in the middle of an append) is ignored.
 */
import { afterAll, expect, test } from '@jest/globals';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const dirs: string[] = [];
const procs: ServerProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Ack {
  id: string;
  version: number;
  family: string;
}

/** Writers PUT new versions of their own resources until stopped; every 2xx answer is recorded. */
async function writer(
  base: string,
  auth: { authorization: string },
  w: number,
  acks: Ack[],
  stop: { now: boolean },
): Promise<void> {
  for (let n = 0; !stop.now; n++) {
    const id = `dur-${w}-${n % 7}`;
    const family = `w${w}-n${n}`;
    try {
      const res = await fetch(`${base}/Patient/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/fhir+json', ...auth },
        body: JSON.stringify({ resourceType: 'Patient', id, name: [{ family }] }),
      });
      if (res.status === 200 || res.status === 201) {
        const body = (await res.json()) as { meta: { versionId: string } };
        acks.push({ id, version: Number(body.meta.versionId), family });
      }
    } catch {
      return; // the process died: this write was never acknowledged
    }
  }
}

function newestFile(dir: string): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(dir);
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

test('SIGKILL mid-stream loses no acknowledged write; history is intact; a torn tail is ignored', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-dur-'));
  dirs.push(dir);
  const env = { DATA_DIR: dir, DEMO_DATA: 'false' };
  const server = await startServer(env);
  procs.push(server);
  const acks: Ack[] = [];
  const stop = { now: false };
  const writers = Array.from({ length: 8 }, (_, w) => writer(server.base, server.auth, w, acks, stop));
  while (acks.length < 400) await new Promise((r) => setTimeout(r, 10));
  server.child.kill('SIGKILL'); // mid-stream: writers have requests in flight
  await server.exited;
  stop.now = true;
  await Promise.all(writers);
  const ackedCount = acks.length;

  // A crash in the middle of an append leaves a partial record at the end of the journal.
  appendFileSync(newestFile(dir), Buffer.from([0x00, 0x00, 0x10, 0x00, 0x7b, 0x22, 0x6f]));

  const again = await startServer(env);
  procs.push(again);
  const lost: string[] = [];
  for (const a of acks) {
    const res = await fetch(`${again.base}/Patient/${a.id}/_history/${a.version}`, { headers: again.auth });
    const body = res.status === 200 ? ((await res.json()) as { name: Array<{ family: string }> }) : undefined;
    if (body?.name[0].family !== a.family) lost.push(`${a.id}/_history/${a.version}: ${res.status}`);
  }
  expect(lost).toEqual([]);
  // Each resource's history has no gap: versions 1..current all readable.
  const latest = new Map<string, number>();
  for (const a of acks) latest.set(a.id, Math.max(latest.get(a.id) ?? 0, a.version));
  for (const [id, version] of latest) {
    const hist = (await (
      await fetch(`${again.base}/Patient/${id}/_history?_count=1000`, { headers: again.auth })
    ).json()) as {
      total: number;
    };
    expect(hist.total).toBeGreaterThanOrEqual(version);
  }
  process.stdout.write(`durability: ${ackedCount} acknowledged writes before SIGKILL, ${lost.length} lost\n`);
  again.child.kill('SIGTERM');
  expect(await again.exited).toBe(0);
});
