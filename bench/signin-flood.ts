/**
 * FHIR read latency under a flood of wrong sign-ins (issue #14 finding 5, acceptance 3). Starts the server as
 * its own process on 127.0.0.1 with the demo practice, measures FHIR reads by id (autocannon) alone, then
 * again while `--flooders` parallel clients post wrong passwords to a sign-in form, and prints a JSON report
 * with the flood's answers by status and the load average.
 *
 *   npx tsx bench/signin-flood.ts [--seconds 10] [--flooders 40] [--connections 4]
 *                                 [--target dashboard|ehr] [--raise-limits]
 *
 * `--raise-limits` sets the sign-in rate limits so high that they never answer (a flood from many
 * addresses): it shows what hashing off the event loop alone does. Without it the defaults apply.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { demoToken, load, SERVER_ENTRY, spawnTs, stop, type LoadResult } from './lib.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    flooders: { type: 'string', default: '40' },
    connections: { type: 'string', default: '4' },
    target: { type: 'string', default: 'dashboard' },
    'raise-limits': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const flooders = Number(values.flooders);
const connections = Number(values.connections);
const target = values.target === 'ehr' ? 'ehr' : 'dashboard';
const NAMES = ['biller', 'analyst', 'okonkwo', 'lindqvist', 'nobody', 'admin'];

/** The form page, the POST path and the hidden CSRF field name of the target. */
const FORMS = {
  dashboard: { page: '/dashboard/login', post: '/dashboard/login', field: '_csrf' },
  ehr: { page: '/ehr', post: '/ehr/login', field: '_csrf' },
} as const;

function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').trim();
}

/** The cookies of a response as a Cookie header. */
function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** One flooder: fetch the form (cookie + CSRF value, as an attacker can), post a wrong password; repeat. */
async function flooder(origin: string, i: number, until: number, statuses: Map<number, number>) {
  const form = FORMS[target];
  let n = 0;
  while (Date.now() < until) {
    const page = await fetch(`${origin}${form.page}`);
    const html = await page.text();
    const csrf = new RegExp(`name="${form.field}" value="([^"]*)"`).exec(html)?.[1] ?? '';
    const body = new URLSearchParams({
      username: NAMES[(i + n++) % NAMES.length],
      password: `wrong-${i}-${n}`,
      [form.field]: csrf,
    });
    const res = await fetch(`${origin}${form.post}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(page) },
      body,
      redirect: 'manual',
    });
    await res.arrayBuffer();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-signin-flood-'));
  const env: Record<string, string> = { DATA_DIR: dir, DEMO: 'true', DEMO_DATA: 'true' };
  if (values['raise-limits']) {
    Object.assign(env, { SIGNIN_ACCOUNT_FAILURES: '1000000', SIGNIN_ADDRESS_FAILURES: '1000000' });
  }
  const loadBefore = loadavg();
  const server = await spawnTs(SERVER_ENTRY, env, /FHIR base:\s+(\S+)/);
  try {
    const base = server.match[1];
    const origin = new URL(base).origin;
    const headers = { authorization: `Bearer ${await demoToken(base)}`, accept: 'application/fhir+json' };
    const reads = { url: base, connections, seconds, paths: ['/fhir/Patient/demo-patient-1'], headers };
    await load({ ...reads, seconds: 2 }); // warm-up
    const alone: LoadResult = await load(reads);
    const statuses = new Map<number, number>();
    const until = Date.now() + seconds * 1000;
    const flood = Promise.all(
      Array.from({ length: flooders }, (_, i) => flooder(origin, i, until, statuses)),
    );
    const flooded: LoadResult = await load(reads);
    await flood;
    const report = {
      bench: 'signin-flood',
      target,
      limits: values['raise-limits'] ? 'raised (never answer)' : 'defaults',
      seconds,
      flooders,
      readConnections: connections,
      readsAlone: alone,
      readsUnderFlood: flooded,
      floodAnswers: Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])),
      floodRequestsPerSecond: Math.round([...statuses.values()].reduce((a, b) => a + b, 0) / seconds),
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await stop(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
