/**
 * npm run import -- [--base URL] [--token T] [--concurrency N] [--chunk N] [--json] [--progress|--no-progress] <file|dir ...>
 *
 * Loads transaction, batch and collection Bundles (.json, .json.gz) and NDJSON (.ndjson, .ndjson.gz) into
 * a FHIR server through its REST API, one transaction per Bundle (never half loaded) or per NDJSON chunk,
 * with a progress bar, bounded concurrency, a summary and per-file errors naming the file and entry.
 * `--token` (or FHIR_TOKEN) is sent as `Authorization: Bearer` (a SMART Backend Services access token).
 * Exit code: 0 when everything loaded, 1 when some file failed, 2 for a usage error.
 */
import { parseArgs } from 'node:util';
import { formatError } from './import/failures.js';
import { importFiles, type ImportSummary } from './import/run.js';
import { discover } from './import/sources.js';

const USAGE =
  'usage: npm run import -- [--base URL] [--token T] [--concurrency N] [--chunk N] [--json] [--progress|--no-progress] <file|dir ...>';

function positiveInt(raw: string, name: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`--${name} must be a positive integer`);
  return Number(raw);
}

function printSummary(s: ImportSummary): void {
  const lines = [
    `Imported ${s.filesLoaded} of ${s.files} files: ${s.resources} resources in ${s.seconds} s (${s.resourcesPerSecond} resources/s)` +
      (s.filesFailed > 0 ? `; ${s.filesFailed} files failed` : ''),
    ...s.errors.slice(0, 50).map((e) => `  error: ${formatError(e)}`),
    ...(s.errors.length > 50 ? [`  ... and ${s.errors.length - 50} more errors`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        base: { type: 'string', default: process.env.FHIR_BASE ?? 'http://127.0.0.1:8080/fhir' },
        token: { type: 'string', default: process.env.FHIR_TOKEN },
        concurrency: { type: 'string', default: '4' },
        chunk: { type: 'string', default: '500' },
        json: { type: 'boolean', default: false },
        'no-progress': { type: 'boolean', default: false },
        progress: { type: 'boolean', default: false },
      },
    });
    if (parsed.positionals.length === 0) throw new Error('no files given');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  let sources;
  try {
    sources = await discover(positionals);
    const summary = await importFiles({
      base: values.base.replace(/\/+$/, ''),
      sources,
      concurrency: positiveInt(values.concurrency, 'concurrency'),
      chunk: positiveInt(values.chunk, 'chunk'),
      progress: values['no-progress'] ? false : values.progress ? true : 'auto',
      headers: values.token ? { authorization: `Bearer ${values.token}` } : undefined,
    });
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else printSummary(summary);
    return summary.filesFailed > 0 ? 1 : 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
}

process.exitCode = await main();
