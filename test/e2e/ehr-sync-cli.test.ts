/**
 * #18 with real processes: process A (ccm-fhir as the EHR, with ccm-fhir's Backend Services client
 * registered by its public key) and process B (ccm-fhir trusting A through EHR_ISSUERS_FILE). `npm run sync`
 * runs as a user runs it (the CLI, credentials from the environment and files, never the command line)
 * twice in a row: the same counts, nothing new the second time. A bad EHR_ISSUERS_FILE stops B's start with
 * the field named.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle } from 'fhir/r4.js';
import { exportJWK } from 'jose';
import { ehrSystem } from '../../server/ccm/ehr-link/identity.js';
import { killLeftovers, ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { clientKey } from '../helpers/smart-assertion.js';
import { DEMO_EHR } from '../helpers/smart-token.js';

const procs: ServerProcess[] = [];
let dir: string;
let ehr: ServerProcess;
let ccm: ServerProcess;
let ehrsFile: string;

/** Runs the sync CLI; exit code and output. */
function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/sync.ts', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      FHIR_CLIENT_ID: DEMO_EHR.clientId,
      FHIR_CLIENT_SECRET_FILE: path.join(dir, 'ccm-secret'),
      FHIR_SCOPE: 'system/*.cruds',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ehr-sync-cli-'));
  const key = await clientKey('ES384');
  writeFileSync(
    path.join(dir, 'ehr-clients.json'),
    JSON.stringify({
      clients: [
        {
          client_id: 'ccm-sync',
          token_endpoint_auth_methods: ['private_key_jwt'],
          grant_types: ['client_credentials'],
          scope: 'system/*.rs',
          jwks: { keys: [key.publicJwk] },
        },
      ],
    }),
  );
  writeFileSync(
    path.join(dir, 'sync-key.json'),
    JSON.stringify({ ...(await exportJWK(key.privateKey)), kid: key.kid, alg: 'ES384' }),
    { mode: 0o600 },
  );
  writeFileSync(path.join(dir, 'ccm-secret'), DEMO_EHR.secret, { mode: 0o600 });
  ehr = await startServer({
    DATA_DIR: path.join(dir, 'a'),
    SMART_CLIENTS_FILE: path.join(dir, 'ehr-clients.json'),
  });
  procs.push(ehr);
  const origin = new URL(ehr.base).origin;
  ehrsFile = path.join(dir, 'ehrs.json');
  writeFileSync(
    ehrsFile,
    JSON.stringify({
      ehrs: [
        {
          name: 'clinic',
          iss: ehr.base,
          jwks_uri: `${origin}/auth/jwks`,
          id_token_audience: 'ccm-app',
          backend: { client_id: 'ccm-sync', private_jwk_file: 'sync-key.json', scope: 'system/*.rs' },
        },
      ],
    }),
  );
  ccm = await startServer({ DATA_DIR: path.join(dir, 'b'), EHR_ISSUERS_FILE: ehrsFile });
  procs.push(ccm);
}, 120_000);

afterAll(async () => {
  for (const p of procs) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  killLeftovers(procs);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function linkedCount(type: string): Promise<number> {
  const q = encodeURIComponent(`${ehrSystem(ehr.base, type)}|`);
  const res = await fetch(`${ccm.base}/${type}?identifier=${q}&_summary=count`, { headers: ccm.auth });
  return ((await res.json()) as Bundle).total ?? -1;
}

describe('npm run sync between two server processes', () => {
  it('offers the token exchange once EHR_ISSUERS_FILE trusts an EHR', async () => {
    const conf = (await (await fetch(`${ccm.base}/.well-known/smart-configuration`)).json()) as {
      grant_types_supported: string[];
    };
    expect(conf.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:token-exchange');
  });

  it('syncs twice in a row without duplicates', async () => {
    const args = [
      '--ehr',
      'clinic',
      '--ehrs',
      ehrsFile,
      '--base',
      ccm.base,
      '--state',
      path.join(dir, 'state.json'),
    ];
    const first = await runCli([...args, '--json']);
    expect({ code: first.code, stderr: first.stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining('export started'),
    });
    const one = JSON.parse(first.stdout) as {
      counts: Record<string, { created: number }>;
      exported: Record<string, number>;
    };
    expect(one.exported.Patient).toBe(5);
    expect(one.counts.Patient?.created).toBe(5);
    const counts = await Promise.all(['Patient', 'Condition', 'Encounter'].map(linkedCount));
    expect(counts).toEqual([one.exported.Patient, one.exported.Condition, one.exported.Encounter]);
    const second = await runCli([...args, '--full', '--json']);
    expect(second.code).toBe(0);
    const two = JSON.parse(second.stdout) as { counts: Record<string, { created: number; updated: number }> };
    for (const c of Object.values(two.counts)) expect([c.created, c.updated]).toEqual([0, 0]);
    expect(await Promise.all(['Patient', 'Condition', 'Encounter'].map(linkedCount))).toEqual(counts);
    const human = await runCli(args);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Synced EHR clinic changes since .*\n {2}Patient: 0 exported/);
  }, 120_000);

  it('refuses an unknown EHR and a token on the command line (exit 2)', async () => {
    const unknown = await runCli(['--ehr', 'nope', '--ehrs', ehrsFile, '--base', ccm.base]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no EHR named nope/);
    const token = await runCli(['--ehr', 'clinic', '--ehrs', ehrsFile, '--token', 'x']);
    expect(token.code).toBe(2);
  }, 60_000);

  it('stops a server start on a bad EHR_ISSUERS_FILE, naming the field', async () => {
    const bad = path.join(dir, 'bad-ehrs.json');
    writeFileSync(
      bad,
      JSON.stringify({
        ehrs: [
          { name: 'x', iss: 'http://ehr.example.org/fhir', jwks_uri: 'https://e/j', id_token_audience: 'a' },
        ],
      }),
    );
    await expect(
      startServer({ DATA_DIR: path.join(dir, 'c'), EHR_ISSUERS_FILE: bad }, { token: false }),
    ).rejects.toThrow(/exited \(2\)[\s\S]*EHR_ISSUERS_FILE: ehrs\[0\]\.iss must be https/);
  }, 60_000);
});
