/**
 * Loads files into a FHIR server through its REST API: each Bundle file (or NDJSON chunk) is one
 * transaction, so a Bundle is never half loaded; files go through a bounded pool of workers. Requests
 * carry a token that is renewed before it expires (token-source.ts), transient failures are retried
 * (retry.ts), creates with urn:uuid fullUrls get stable ids (stable-ids.ts) and a resume journal
 * (state.ts) skips what an earlier run loaded.
 */
import { readFile } from 'node:fs/promises';
import { describeFailure, type ImportError } from './failures.js';
import { progressBar, type Progress } from './progress.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { textOf, type Source } from './sources.js';
import { bytesHash, fileHash, type ImportState } from './state.js';
import type { Authorizer } from './token-source.js';
import { postTransaction, type Sender, type SendStats } from './transaction.js';
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
  /** Authorization of the requests. */
  auth: Authorizer;
  retry?: RetryPolicy;
  /** Milliseconds one request may take before it counts as failed (and is retried). */
  timeoutMs?: number;
  /** The resume journal, when one is kept. */
  state?: ImportState;
  /** Request counters, shared with the token source (its retries count too). */
  stats?: SendStats;
}

/** What an import did. */
export interface ImportSummary {
  files: number;
  /** Files loaded completely by this run. */
  filesLoaded: number;
  /** Files an earlier run loaded (same content, per the state file): not sent again. */
  filesSkipped: number;
  filesFailed: number;
  /** Resources sent and accepted by this run. */
  resources: number;
  seconds: number;
  resourcesPerSecond: number;
  /** Requests sent again after a transient failure. */
  retries: number;
  /** Access tokens obtained (the first and every renewal). */
  tokens: number;
  /** Tokens renewed because the server answered 401. */
  renewedAfter401: number;
  errors: ImportError[];
}

interface RunState extends Progress {
  list: ImportError[];
  failedFiles: Set<string>;
  skipped: number;
}

async function send(sender: Sender, unit: Unit): Promise<void> {
  const response = await postTransaction(sender, unit.bundle);
  if (response?.type !== 'transaction-response' || (response.entry?.length ?? 0) !== unit.resources) {
    throw new Error(
      `unexpected reply: ${response?.resourceType} ${response?.type} with ${response?.entry?.length ?? 0} entries`,
    );
  }
}

/** The units of a file and the hash of its content. */
async function unitsOf(
  src: Source,
  opts: ImportOptions,
  bad: (e: ImportError) => void,
): Promise<{ hash: string; units: AsyncIterable<Unit> | Unit[] }> {
  if (src.kind === 'bundle') {
    const raw = await readFile(src.path);
    return { hash: bytesHash(raw), units: [bundleUnit(JSON.parse(textOf(src, raw)))] };
  }
  const hash = await fileHash(src.path);
  const units = ndjsonUnits(src, opts.chunk, (line, message) =>
    bad({ file: src.path, at: `line ${line}`, message }),
  );
  return { hash, units };
}

async function loadFile(sender: Sender, src: Source, opts: ImportOptions, run: RunState, tick: () => void) {
  let failed = false;
  const fail = (e: ImportError) => {
    failed = true;
    run.list.push(e);
    run.errors++;
    run.failedFiles.add(src.path);
  };
  try {
    const { hash, units } = await unitsOf(src, opts, fail);
    if (opts.state?.fileDone(hash)) {
      run.skipped++;
    } else {
      let index = 0;
      let resources = 0;
      for await (const unit of units) {
        const i = index++;
        if (src.kind === 'ndjson' && opts.state?.unitDone(hash, i, opts.chunk)) continue;
        try {
          await send(sender, unit);
          run.resources += unit.resources;
          resources += unit.resources;
          if (src.kind === 'ndjson')
            await opts.state?.recordUnit(hash, src.path, i, opts.chunk, unit.resources);
        } catch (err) {
          fail(describeFailure(src.path, unit, err));
        }
        tick();
      }
      if (!failed) await opts.state?.recordFile(hash, src.path, resources);
    }
  } catch (err) {
    const message = err instanceof InputError || err instanceof SyntaxError ? err.message : String(err);
    fail({ file: src.path, message });
  }
  run.filesDone++;
  tick();
}

/** Imports the sources; never throws for a file's failure (it is in `errors`). */
export async function importFiles(opts: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const sender: Sender = {
    base: opts.base,
    auth: opts.auth,
    policy: opts.retry ?? DEFAULT_RETRY,
    stats: opts.stats ?? { retries: 0, renewedAfter401: 0 },
    timeoutMs: opts.timeoutMs ?? 300_000,
  };
  const run: RunState = {
    filesDone: 0,
    resources: 0,
    errors: 0,
    list: [],
    failedFiles: new Set(),
    skipped: 0,
  };
  const bar =
    opts.progress === false ? null : progressBar(opts.sources.length, started, opts.progress === true);
  const tick = () => bar?.update(run);
  // Synthea's hospital/practitioner bundles first, one at a time: patient bundles refer to them conditionally.
  const first = opts.sources.filter((s) => s.first);
  for (const src of first) await loadFile(sender, src, opts, run, tick);
  const queue = opts.sources.filter((s) => !s.first);
  let next = 0;
  const worker = async () => {
    while (next < queue.length) await loadFile(sender, queue[next++], opts, run, tick);
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  bar?.stop();
  const seconds = (Date.now() - started) / 1000;
  return {
    files: opts.sources.length,
    filesLoaded: opts.sources.length - run.failedFiles.size - run.skipped,
    filesSkipped: run.skipped,
    filesFailed: run.failedFiles.size,
    resources: run.resources,
    seconds: Math.round(seconds * 100) / 100,
    resourcesPerSecond: Math.round(run.resources / Math.max(seconds, 0.001)),
    retries: sender.stats.retries,
    tokens: opts.auth.obtained,
    renewedAfter401: sender.stats.renewedAfter401,
    errors: run.list,
  };
}
