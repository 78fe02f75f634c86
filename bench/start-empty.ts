/**
 * Start-up on an empty store, as `npm start` runs the server (its Node flags, DEMO=true, DEMO_DATA=false,
 * 127.0.0.1 on a free port) with a fresh temporary DATA_DIR each time: the time from spawning Node to the
 * first 200 on /fhir/metadata (polled every 20 ms), and the CPU seconds the server process had used by then
 * (user + system, from /proc: unlike the wall time, hardly changed by other load on the machine). Node is
 * spawned directly (npm's own start-up is not the server's). `--compare DIR` starts another checkout (the
 * code before a change) in turn with this one, so that both see the same machine. The caches under
 * node_modules/.cache/ccm-fhir are whatever earlier runs left: run once before measuring.
 *
 *   npx tsx bench/start-empty.ts [--runs 7] [--compare DIR]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { firstOk, serverEnv } from './capacity-start.js';
import { ROOT, serverNodeFlags } from './lib.js';
import { freePort, procSample } from './support/processes.js';

const args = process.argv.slice(2);
const valueOf = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(valueOf('--runs') ?? 7);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
const compare = valueOf('--compare');
const roots = [ROOT, ...(compare ? [path.resolve(compare)] : [])];

/** One start of the server of checkout `root` on an empty `dataDir`; stopped once /fhir/metadata answers. */
async function startOnce(root: string, dataDir: string): Promise<{ metadataMs: number; cpuMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...serverNodeFlags(), '--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, ...serverEnv(dataDir, port), LOG_LEVEL: 'warn' },
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid as number;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const metadataMs = await Promise.race([
      firstOk(`http://127.0.0.1:${port}/fhir/metadata`, t0, 120_000),
      exited.then(() => Promise.reject(new Error(`the server of ${root} exited before answering`))),
    ]);
    return { metadataMs, cpuMs: Math.round(procSample(pid).cpuSeconds * 1000) };
  } finally {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await exited;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) / 2);
}

const results = new Map(roots.map((r) => [r, { metadataMs: [] as number[], cpuMs: [] as number[] }]));
for (let i = 0; i < runs; i++) {
  for (const root of roots) {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccm-start-'));
    try {
      const r = await startOnce(root, path.join(dir, 'data'));
      const out = results.get(root) as { metadataMs: number[]; cpuMs: number[] };
      out.metadataMs.push(r.metadataMs);
      out.cpuMs.push(r.cpuMs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
const report = [...results].map(([root, r]) => ({
  root,
  ...r,
  metadataMedianMs: median(r.metadataMs),
  cpuMedianMs: median(r.cpuMs),
}));
process.stdout.write(`${JSON.stringify({ runs, report }, null, 2)}\n`);
