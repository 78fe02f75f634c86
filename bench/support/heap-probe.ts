/**
 * The server's memory after a forced full garbage collection (see heap-probe-cli.ts): what is live, not
 * what the collector has not reclaimed or returned to the OS yet. Used by the soak to judge leaks.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../lib.js';

/** Memory of the server right after a full GC, in MB. */
export interface HeapAfterGc {
  heapUsedMb: number;
  rssMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

const run = promisify(execFile);
const mb = (b: number) => Math.round((b / 1048576) * 100) / 100;

/** Forces a full GC in the server whose inspector listens on `port` and reads its memory. */
export async function heapAfterGc(port: number): Promise<HeapAfterGc> {
  const { stdout } = await run(
    process.execPath,
    [
      '--experimental-websocket',
      '--import',
      'tsx',
      path.join('bench', 'support', 'heap-probe-cli.ts'),
      String(port),
    ],
    { cwd: ROOT, timeout: 120_000 },
  );
  const m = JSON.parse(stdout.trim()) as Record<string, number>;
  return {
    heapUsedMb: mb(m.heapUsed),
    rssMb: mb(m.rss),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
  };
}
