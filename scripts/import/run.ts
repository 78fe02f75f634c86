/**
 * Loads files into a FHIR server through its REST API with fhir-kit-client: each Bundle file (or NDJSON
 * chunk) is one transaction, so a Bundle is never half loaded; files go through a bounded pool of workers.
 */
import { Client } from 'fhir-kit-client';
import type { FhirResource } from 'fhir-kit-client';
import type { Bundle } from 'fhir/r4.js';
import { describeFailure, type ImportError } from './failures.js';
import { progressBar, type Progress } from './progress.js';
import { readText, type Source } from './sources.js';
import { bundleUnit, InputError, ndjsonUnits, type Unit } from './units.js';

/** Options of an import. */
export interface ImportOptions {
  base: string;
  sources: Source[];
  /** Files loaded at the same time. */
  concurrency: number;
  /** NDJSON lines per transaction. */
  chunk: number;
  /** Show the progress bar even when stderr is not a terminal. */
  progress?: boolean | 'auto';
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
}

/** What an import did. */
export interface ImportSummary {
  files: number;
  filesLoaded: number;
  filesFailed: number;
  resources: number;
  seconds: number;
  resourcesPerSecond: number;
  errors: ImportError[];
}

interface State extends Progress {
  errors: number;
  list: ImportError[];
  failedFiles: Set<string>;
}

async function send(client: Client, unit: Unit): Promise<void> {
  const response = (await client.transaction({
    body: unit.bundle as unknown as FhirResource,
    options: { headers: { prefer: 'return=minimal' } },
  })) as unknown as Bundle;
  if (response.type !== 'transaction-response' || (response.entry?.length ?? 0) !== unit.resources) {
    throw new Error(
      `unexpected reply: ${response.resourceType} ${response.type} with ${response.entry?.length ?? 0} entries`,
    );
  }
}

async function loadFile(
  client: Client,
  src: Source,
  opts: ImportOptions,
  state: State,
  tick: () => void,
): Promise<void> {
  const fail = (e: ImportError) => {
    state.list.push(e);
    state.errors++;
    state.failedFiles.add(src.path);
  };
  try {
    const units: AsyncIterable<Unit> | Unit[] =
      src.kind === 'bundle'
        ? [bundleUnit(JSON.parse(await readText(src)))]
        : ndjsonUnits(src, opts.chunk, (line, message) =>
            fail({ file: src.path, at: `line ${line}`, message }),
          );
    for await (const unit of units) {
      try {
        await send(client, unit);
        state.resources += unit.resources;
      } catch (err) {
        fail(describeFailure(src.path, unit, err));
      }
      tick();
    }
  } catch (err) {
    const message = err instanceof InputError || err instanceof SyntaxError ? err.message : String(err);
    fail({ file: src.path, message });
  }
  state.filesDone++;
  tick();
}

/** Imports the sources; never throws for a file's failure (it is in `errors`). */
export async function importFiles(opts: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const client = new Client({ baseUrl: opts.base, customHeaders: opts.headers });
  const state: State = { filesDone: 0, resources: 0, errors: 0, list: [], failedFiles: new Set() };
  const bar =
    opts.progress === false ? null : progressBar(opts.sources.length, started, opts.progress === true);
  const tick = () => bar?.update(state);
  // Synthea's hospital/practitioner bundles first, one at a time: patient bundles refer to them conditionally.
  const first = opts.sources.filter((s) => s.first);
  for (const src of first) await loadFile(client, src, opts, state, tick);
  const queue = opts.sources.filter((s) => !s.first);
  let next = 0;
  const worker = async () => {
    while (next < queue.length) await loadFile(client, queue[next++], opts, state, tick);
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  bar?.stop();
  const seconds = (Date.now() - started) / 1000;
  return {
    files: opts.sources.length,
    filesLoaded: opts.sources.length - state.failedFiles.size,
    filesFailed: state.failedFiles.size,
    resources: state.resources,
    seconds: Math.round(seconds * 100) / 100,
    resourcesPerSecond: Math.round(state.resources / Math.max(seconds, 0.001)),
    errors: state.list,
  };
}
