/**
 * Issue 14 finding 6: how long four hostile single requests hold the server, and how a small read fares
 * meanwhile. The server (bench/request-limits-server.ts, its own process on 127.0.0.1, 65,000 Patients)
 * gets, one at a time: a search with 100,000 OR values, a 3-key `_sort` over every Patient, a Patient with
 * 300,000 names (about 15 MB), and a 9,999-entry transaction; plus the largest Synthea patient Bundle of a
 * directory, when given. While each runs, a probe reads one Patient in a closed loop; the report gives the
 * big request's status and duration and the probe's count and worst latency (a blocked event loop shows as
 * a worst probe latency close to the big request's duration). Prints one JSON report with the load average.
 *
 *   npx tsx bench/request-limits.ts [--patients 65000] [--root DIR] [--synthea DIR]
 *
 * `--root DIR` runs the server from another checkout (e.g. the code before the limits, for a before/after
 * comparison; this file's server entry is copied there when missing).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { ROOT, stop } from './lib.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '65000' },
    root: { type: 'string', default: ROOT },
    synthea: { type: 'string' },
  },
});
const SERVER = 'bench/request-limits-server.ts';

/** Starts the bench server from `root` and resolves with its base URL. */
async function startServer(root: string): Promise<{ child: ChildProcess; base: string }> {
  if (!existsSync(path.join(root, SERVER))) copyFileSync(path.join(ROOT, SERVER), path.join(root, SERVER));
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', SERVER],
    {
      cwd: root,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'silent',
        LIMITS_PATIENTS: values.patients,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  child.on('exit', (code, signal) => process.stderr.write(`server exited: ${code ?? signal}\n`));
  return { child, base: `http://127.0.0.1:${port}/fhir` };
}

/** One big request and what a concurrent probe saw while it ran. */
interface CaseResult {
  status: number;
  ms: number;
  outcome?: string;
  probes: number;
  probeErrors: number;
  probeMaxMs: number;
}

/** Runs `send` while a closed-loop probe reads `probeUrl`. */
async function measure(send: () => Promise<Response>, probeUrl: string): Promise<CaseResult> {
  let running = true;
  let probes = 0;
  let probeMaxMs = 0;
  let probeErrors = 0;
  const probe = (async () => {
    while (running) {
      const t = performance.now();
      try {
        await (await fetch(probeUrl)).arrayBuffer();
      } catch {
        probeErrors++;
        await new Promise((r) => setTimeout(r, 100));
      }
      probeMaxMs = Math.max(probeMaxMs, performance.now() - t);
      probes++;
    }
  })();
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  let status = 0;
  let text = '';
  try {
    const res = await send();
    status = res.status;
    text = await res.text();
  } catch (err) {
    text = `request failed: ${err instanceof Error ? (err.cause ?? err.message) : String(err)}`;
  }
  const ms = performance.now() - t0;
  running = false;
  await probe;
  const outcome = status >= 400 || status === 0 ? text.slice(0, 200) : undefined;
  return {
    status,
    ms: Math.round(ms),
    ...(outcome ? { outcome } : {}),
    probes,
    probeErrors,
    probeMaxMs: Math.round(probeMaxMs),
  };
}

const json = { 'content-type': 'application/fhir+json' };

/** The four requests of the finding (and a Synthea Bundle), by name. */
function cases(base: string): Record<string, () => Promise<Response>> {
  const names = Array.from({ length: 300_000 }, (_, i) => ({ family: `Family${i}`, given: ['Ann', 'Lee'] }));
  const entry = Array.from({ length: 9_999 }, (_, i) => ({
    fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    resource: { resourceType: 'Patient', name: [{ family: `Tx${i}` }] },
    request: { method: 'POST', url: 'Patient' },
  }));
  const out: Record<string, () => Promise<Response>> = {
    orValues100k: () =>
      fetch(`${base}/Patient/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `family=${Array.from({ length: 100_000 }, (_, i) => `f${i}`).join(',')}`,
      }),
    sort3Keys: () => fetch(`${base}/Patient?_sort=family,-birthdate,given&_count=10`),
    patient300kNames: () =>
      fetch(`${base}/Patient`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ resourceType: 'Patient', name: names }),
      }),
    transaction9999: () =>
      fetch(base, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
      }),
  };
  if (values.synthea) {
    const dir = values.synthea;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json.gz') && !/Information/.test(f));
    const bodies = files.map((f) => gunzipSync(readFileSync(path.join(dir, f))).toString());
    const largest = bodies.reduce((a, b) =>
      (JSON.parse(b) as { entry: unknown[] }).entry.length >
      (JSON.parse(a) as { entry: unknown[] }).entry.length
        ? b
        : a,
    );
    out.syntheaLargest = () => fetch(base, { method: 'POST', headers: json, body: largest });
  }
  return out;
}

/** Loads the Synthea organization and practitioner Bundles that patient Bundles refer to (not measured). */
async function loadSyntheaReferences(base: string, dir: string): Promise<void> {
  for (const f of readdirSync(dir).filter((n) => /Information.*\.json\.gz$/.test(n))) {
    const body = gunzipSync(readFileSync(path.join(dir, f))).toString();
    const res = await fetch(base, { method: 'POST', headers: json, body });
    if (!res.ok) throw new Error(`${f}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  }
}

const { child, base } = await startServer(path.resolve(values.root));
try {
  if (values.synthea) await loadSyntheaReferences(base, values.synthea);
  const probeUrl = `${base}/Patient/p1`;
  const results: Record<string, CaseResult> = {};
  for (const [name, send] of Object.entries(cases(base))) results[name] = await measure(send, probeUrl);
  const report = {
    root: path.resolve(values.root),
    patients: Number(values.patients),
    loadavg: loadavg(),
    results,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await stop(child);
}
