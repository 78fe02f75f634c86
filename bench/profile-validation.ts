/**
 * Benchmark of write-time validation with the CCM profiles (acceptance 4 of issue 4): microseconds per
 * validation of a typical CCM resource of each profile (base R4 + its profile, as on every write), the
 * base-only cost for comparison, the cold cost of building the services with every definition loaded, and
 * the time a real server process takes from spawn to serving (with the conformance resources written into
 * a fresh SQLite store). Run: `node --import tsx bench/profile-validation.ts`; prints a JSON report.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFhirServices } from '../server/app.js';
import { openStore } from '../server/storage/open-store.js';
import { ROOT, SERVER_ENTRY, spawnTs, stop } from './lib.js';

const MIN_MS = 1400;
const FIXTURES = path.join(ROOT, 'fixtures', 'profiles');

const ROUNDS = 7;

/** Microseconds per call of `fn` over `items`: median and best of several rounds, after a warm-up. */
function measure(items: unknown[], fn: (r: unknown) => unknown): { median: number; best: number } {
  for (let i = 0; i < 300; i++) for (const r of items) fn(r);
  const rounds: number[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    let runs = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < MIN_MS / ROUNDS) {
      for (const r of items) fn(r);
      runs += items.length;
      elapsed = performance.now() - start;
    }
    rounds.push((elapsed * 1000) / runs);
  }
  rounds.sort((a, b) => a - b);
  const round1 = (n: number) => Math.round(n * 10) / 10;
  return { median: round1(rounds[Math.floor(ROUNDS / 2)]), best: round1(rounds[0]) };
}

async function inProcess(): Promise<{ servicesColdMs: number; perProfile: Record<string, unknown> }> {
  const store = await openStore({ dataDir: null });
  const t0 = performance.now();
  const services = createFhirServices({
    config: { baseUrl: 'http://127.0.0.1/fhir', bodyLimitBytes: 1 << 24 },
    store,
  });
  const servicesColdMs = Math.round(performance.now() - t0);
  const perProfile: Record<string, unknown> = {};
  for (const profile of readdirSync(FIXTURES)
    .filter((d) => d.startsWith('ccm-'))
    .sort()) {
    const valid = readdirSync(path.join(FIXTURES, profile))
      .filter((f) => f.startsWith('valid-'))
      .map(
        (f) => JSON.parse(readFileSync(path.join(FIXTURES, profile, f), 'utf8')) as Record<string, unknown>,
      );
    const type = String(valid[0].resourceType);
    const errors = valid.flatMap((r) => services.validate(r, type).filter((i) => i.severity === 'error'));
    if (errors.length > 0)
      throw new Error(`${profile}: a valid fixture does not validate: ${JSON.stringify(errors)}`);
    const bare = valid.map(({ meta: _meta, ...rest }) => rest);
    perProfile[profile] = {
      resources: valid.length,
      usPerValidation: measure(valid, (r) => services.validate(r, type)),
      usWithoutProfile: measure(bare, (r) => services.validate(r, type)),
    };
  }
  await store.close();
  return { servicesColdMs, perProfile };
}

/** Milliseconds from spawn to the `FHIR base:` line of `entry`. */
async function spawnMs(entry: string, env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const { child } = await spawnTs(entry, env, /FHIR base:/);
  const ms = Math.round(performance.now() - t0);
  await stop(child);
  return ms;
}

/** The server's start-up on a fresh store, and a bare tsx process as the machine's floor in the same run. */
async function serverStart(): Promise<{ serverMs: number; bareTsxMs: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-bench-start-'));
  const bare = path.join(dir, 'bare.ts');
  writeFileSync(bare, "process.stdout.write('FHIR base: none\\n'); setInterval(() => undefined, 1000);\n");
  const bareTsxMs = await spawnMs(bare, {});
  const serverMs = await spawnMs(SERVER_ENTRY, { DATA_DIR: path.join(dir, 'data'), DEMO_DATA: 'false' });
  rmSync(dir, { recursive: true, force: true });
  return { serverMs, bareTsxMs };
}

async function main(): Promise<void> {
  const { servicesColdMs, perProfile } = await inProcess();
  const start = await serverStart();
  const report = {
    benchmark: 'profile-validation',
    node: process.version,
    perProfile,
    createFhirServicesColdMs: servicesColdMs,
    serverSpawnToServingMs: start.serverMs,
    bareTsxSpawnMs: start.bareTsxMs,
    budgets: { usPerValidation: 1000, startMs: 3000 },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
