/**
 * npm run import -- [--base URL] [--auth FILE] [--state FILE] [--concurrency N] [--chunk N] [--retries N]
 *                   [--timeout S] [--json] [--progress|--no-progress] <file|dir ...>
 *
 * Loads transaction, batch and collection Bundles (.json, .json.gz) and NDJSON (.ndjson, .ndjson.gz) into
 * a FHIR server through its REST API, one transaction per Bundle (never half loaded) or per NDJSON chunk,
 * with a progress bar, bounded concurrency, a summary and per-file errors naming the file and entry.
 * Credentials come from `--auth FILE` / FHIR_AUTH_FILE or FHIR_CLIENT_ID and friends (import/auth-config.ts),
 * never from the command line; the importer gets and renews its own SMART Backend Services tokens.
 * Re-running on the same files creates nothing twice (import/stable-ids.ts); `--state FILE` also skips
 * what an earlier run loaded (import/state.ts).
 * Exit code: 0 when everything loaded, 1 when some file failed, 2 for a usage, configuration or auth error.
 */
import { parseArgs } from 'node:util';
import { loadAuthConfig } from './import/auth-config.js';
import { formatError } from './import/failures.js';
import { DEFAULT_RETRY } from './import/retry.js';
import { importFiles, type ImportSummary } from './import/run.js';
import { discover } from './import/sources.js';
import { ImportState } from './import/state.js';
import { fixedAuthorizer, TokenSource, type Authorizer } from './import/token-source.js';
import type { SendStats } from './import/transaction.js';

const USAGE =
  'usage: npm run import -- [--base URL] [--auth FILE] [--state FILE] [--concurrency N] [--chunk N] [--retries N] [--timeout S] [--json] [--progress|--no-progress] <file|dir ...>\n' +
  'credentials: --auth FILE (or FHIR_AUTH_FILE), or FHIR_CLIENT_ID with FHIR_PRIVATE_KEY_FILE (+ FHIR_KEY_ID) or FHIR_CLIENT_SECRET_FILE / FHIR_CLIENT_SECRET; FHIR_TOKEN as a fallback';

/** A usage problem (exit code 2). */
class UsageError extends Error {}

function count(raw: string, name: string, min: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`--${name} must be an integer >= ${min}`);
  return Number(raw);
}

function printSummary(s: ImportSummary, state: string | undefined): void {
  const extras = [
    s.filesFailed > 0 ? `${s.filesFailed} files failed` : '',
    s.filesSkipped > 0 ? `${s.filesSkipped} files skipped (already loaded per ${state})` : '',
    s.retries > 0 ? `${s.retries} requests retried` : '',
    s.tokens > 1 ? `${s.tokens} tokens` : '',
  ].filter(Boolean);
  const lines = [
    `Imported ${s.filesLoaded} of ${s.files} files: ${s.resources} resources in ${s.seconds} s (${s.resourcesPerSecond} resources/s)` +
      (extras.length > 0 ? `; ${extras.join('; ')}` : ''),
    ...s.errors.slice(0, 50).map((e) => `  error: ${formatError(e)}`),
    ...(s.errors.length > 50 ? [`  ... and ${s.errors.length - 50} more errors (--json lists all)`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function parse() {
  // A token on the command line lands in shell history and process listings: refused with the way out.
  if (process.argv.some((a) => a === '--token' || a.startsWith('--token='))) {
    throw new UsageError(
      '--token is not accepted (the command line lands in shell history and process listings): configure client credentials, or set FHIR_TOKEN as a fallback',
    );
  }
  const parsed = parseArgs({
    allowPositionals: true,
    options: {
      base: { type: 'string', default: process.env.FHIR_BASE ?? 'http://127.0.0.1:8080/fhir' },
      auth: { type: 'string' },
      state: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      chunk: { type: 'string', default: '500' },
      retries: { type: 'string', default: String(DEFAULT_RETRY.retries) },
      timeout: { type: 'string', default: '300' },
      json: { type: 'boolean', default: false },
      'no-progress': { type: 'boolean', default: false },
      progress: { type: 'boolean', default: false },
    },
  });
  if (parsed.positionals.length === 0) throw new UsageError('no files given');
  return parsed;
}

async function authorizer(base: string, file: string | undefined, stats: SendStats, retries: number) {
  const config = loadAuthConfig(file, process.env, (w) => process.stderr.write(`${w}\n`));
  if (config.kind !== 'client') return fixedAuthorizer(config.kind === 'static' ? config.token : undefined);
  const source = new TokenSource(base, config, { ...DEFAULT_RETRY, retries }, stats);
  await source.authorization(); // fail before reading any file when the credentials do not work
  return source;
}

async function main(): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parse());
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const base = values.base.replace(/\/+$/, '');
  let state: ImportState | undefined;
  try {
    const retries = count(values.retries, 'retries', 0);
    const stats: SendStats = { retries: 0, renewedAfter401: 0 };
    const sources = await discover(positionals);
    const auth: Authorizer = await authorizer(base, values.auth, stats, retries);
    state = values.state ? await ImportState.open(values.state, base) : undefined;
    const summary = await importFiles({
      base,
      sources,
      concurrency: count(values.concurrency, 'concurrency', 1),
      chunk: count(values.chunk, 'chunk', 1),
      retry: { ...DEFAULT_RETRY, retries },
      timeoutMs: count(values.timeout, 'timeout', 1) * 1000,
      progress: values['no-progress'] ? false : values.progress ? true : 'auto',
      auth,
      state,
      stats,
    });
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else printSummary(summary, values.state);
    return summary.filesFailed > 0 ? 1 : 0;
  } catch (err) {
    // Usage, configuration (AuthConfigError, StateError), credentials (AuthError) or unreadable inputs.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message}\n${err instanceof UsageError ? `${USAGE}\n` : ''}`);
    return 2;
  } finally {
    await state?.close();
  }
}

process.exitCode = await main();
