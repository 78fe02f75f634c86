/**
 * npm run sync -- --ehr NAME [--ehrs FILE] [--base URL] [--auth FILE] [--state FILE] [--full] [--chunk N]
 *                 [--json] [--quiet]
 *
 * Pulls a practice's CCM panel from a trusted EHR into ccm-fhir (#18; README "Linking EHRs"): SMART Backend
 * Services at the EHR with the `backend` credential of its EHR_ISSUERS_FILE entry, a Bulk Data export
 * (Group when `backend.group_id` is set, else Patient, `_type=Patient,Condition,MedicationRequest,Encounter`,
 * `_since` = the last sync's transactionTime unless --full), then linked mirrors written into ccm-fhir over
 * its REST API. ccm-fhir credentials follow the importer (`--auth FILE` / FHIR_AUTH_FILE, or FHIR_CLIENT_ID
 * with a key or secret file; never a token on the command line). Progress goes to stderr.
 * The last sync per EHR is kept in `--state FILE` (default SYNC_STATE_FILE, else DATA_DIR/ehr-sync-state.json).
 * Exit code: 0 synced, 1 the EHR or ccm-fhir failed (nothing recorded; run again), 2 usage or configuration.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEhrIssuers } from '../server/ccm/ehr-link/issuers.js';
import { loadAuthConfig } from './import/auth-config.js';
import { HttpError } from './import/http.js';
import { DEFAULT_RETRY } from './import/retry.js';
import { fixedAuthorizer, TokenSource, type Authorizer } from './import/token-source.js';
import { runSync, type SyncSummary } from './sync/run.js';

const USAGE =
  'usage: npm run sync -- --ehr NAME [--ehrs FILE] [--base URL] [--auth FILE] [--state FILE] [--full] [--chunk N] [--json] [--quiet]\n' +
  'EHRs: --ehrs FILE or EHR_ISSUERS_FILE; ccm-fhir credentials: --auth FILE (or FHIR_AUTH_FILE), or FHIR_CLIENT_ID with FHIR_PRIVATE_KEY_FILE or FHIR_CLIENT_SECRET_FILE';

class UsageError extends Error {}

function parse() {
  if (process.argv.some((a) => a === '--token' || a.startsWith('--token=')))
    throw new UsageError(
      '--token is not accepted (the command line lands in shell history): configure client credentials',
    );
  const { values } = parseArgs({
    options: {
      ehr: { type: 'string' },
      ehrs: { type: 'string', default: process.env.EHR_ISSUERS_FILE },
      base: { type: 'string', default: process.env.FHIR_BASE ?? 'http://127.0.0.1:8080/fhir' },
      auth: { type: 'string' },
      state: { type: 'string' },
      full: { type: 'boolean', default: false },
      chunk: { type: 'string', default: '200' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  if (!values.ehr) throw new UsageError('--ehr NAME is required');
  if (!values.ehrs) throw new UsageError('no EHR issuers file: --ehrs FILE or EHR_ISSUERS_FILE');
  if (!/^\d+$/.test(values.chunk) || Number(values.chunk) < 1)
    throw new UsageError('--chunk must be an integer >= 1');
  return values;
}

function statePath(given: string | undefined): string {
  if (given) return path.resolve(given);
  if (process.env.SYNC_STATE_FILE) return path.resolve(process.env.SYNC_STATE_FILE);
  return path.resolve(process.env.DATA_DIR || './data', 'ehr-sync-state.json');
}

async function ccmAuth(base: string, file: string | undefined): Promise<Authorizer> {
  const config = loadAuthConfig(file, process.env, (w) => process.stderr.write(`${w}\n`));
  if (config.kind !== 'client') return fixedAuthorizer(config.kind === 'static' ? config.token : undefined);
  const source = new TokenSource(base, config, DEFAULT_RETRY, { retries: 0 });
  await source.authorization(); // fail before touching the EHR when ccm-fhir refuses the credentials
  return source;
}

/** A failed request: its status and the OperationOutcome's (or OAuth error's) first message. */
function describeHttp(err: HttpError): string {
  const data = err.response.data as {
    issue?: Array<{ diagnostics?: string; code?: string }>;
    error?: string;
    error_description?: string;
  };
  const why =
    data?.issue?.[0]?.diagnostics ?? data?.issue?.[0]?.code ?? data?.error_description ?? data?.error;
  return `HTTP ${err.response.status}${why ? `: ${why}` : ''}`;
}

function printSummary(s: SyncSummary): void {
  const lines = [
    `Synced EHR ${s.ehr} ${s.since ? `changes since ${s.since}` : '(full)'} in ${s.seconds} s; next _since ${s.transactionTime}`,
    ...Object.entries(s.counts).map(
      ([type, c]) =>
        `  ${type}: ${s.exported[type] ?? 0} exported, ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged` +
        (c.skipped > 0 ? `, ${c.skipped} skipped (patient not linked)` : ''),
    ),
    ...(s.exportErrors > 0 ? [`  the EHR reported ${s.exportErrors} export error files`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<number> {
  let values;
  try {
    values = parse();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const base = values.base.replace(/\/+$/, '');
  let issuer;
  let auth: Authorizer;
  try {
    issuer = loadEhrIssuers(path.resolve(values.ehrs as string)).find((e) => e.name === values.ehr);
    if (!issuer) throw new UsageError(`EHR_ISSUERS_FILE lists no EHR named ${values.ehr}`);
    if (!issuer.backend) throw new UsageError(`EHR_ISSUERS_FILE: ${values.ehr} has no backend credential`);
    auth = await ccmAuth(base, values.auth);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const say = (line: string) => {
    if (!values.quiet) process.stderr.write(`${line}\n`);
  };
  try {
    const summary = await runSync({
      issuer,
      base,
      auth,
      statePath: statePath(values.state),
      full: values.full,
      chunk: Number(values.chunk),
      onEvent: (e) => {
        if (e.kind === 'kicked-off') say(`export started: ${e.url}`);
        else if (e.kind === 'progress') say(`export in progress: ${e.text}`);
        else if (e.kind === 'file') say(`downloaded ${e.resources} ${e.type}`);
        else
          say(
            `written ${e.type}: ${e.counts.created} created, ${e.counts.updated} updated, ${e.counts.unchanged} unchanged`,
          );
      },
    });
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else printSummary(summary);
    return 0;
  } catch (err) {
    const message = err instanceof HttpError ? describeHttp(err) : (err as Error).message;
    process.stderr.write(`sync failed: ${message}\n`);
    return 1;
  }
}

process.exitCode = await main();
