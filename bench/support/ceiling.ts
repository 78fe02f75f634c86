/**
 * The machine's ceiling, measured in the same run: a bare Express 5 handler (bench/ceiling-server.ts, its
 * own process on 127.0.0.1) answering the same JSON body the FHIR server answered, from memory, under the
 * same connections and duration.
 */
import { runLoad, type LoadResult } from './load.js';
import { startTs, stopProcess } from './processes.js';

/** Ceiling runs per body kind and connection count. */
export type Ceilings = Record<string, Record<number, LoadResult>>;

/** Measures the ceiling for each body at each connection count. */
export async function measureCeilings(
  bodies: Record<string, string>,
  connections: number[],
  seconds: number,
  headers: Record<string, string> = {},
): Promise<Ceilings> {
  const out: Ceilings = {};
  for (const [kind, body] of Object.entries(bodies)) {
    const started = await startTs('bench/ceiling-server.ts', { CEILING_BODY: body }, /listening (\d+)/);
    try {
      const origin = `http://127.0.0.1:${started.match[1]}`;
      out[kind] = {};
      for (const c of connections) {
        out[kind][c] = await runLoad({
          origin,
          connections: c,
          seconds,
          pid: started.child.pid,
          headers,
          script: () => ({ next: () => ({ kind: 'ceiling', path: '/fhir/ceiling' }) }),
        });
      }
    } finally {
      await stopProcess(started.child);
    }
  }
  return out;
}

/** Which ceiling body a scenario compares against. */
export function ceilingKind(scenario: string): string {
  return scenario === 'search' ? 'bundle' : 'resource';
}
