/**
 * Test support: start a third-party EHR for the end-to-end tests, a real ccm-fhir process wrapped by
 * ehr-main.ts so that it refuses app writes the way Epic does (ehr-refusals.ts), and read what it saw.
 */
import type { Bundle } from 'fhir/r4.js';
import { startServer, type ServerProcess } from '../../helpers/server-process.js';
import { bearer, getBackendToken } from '../../helpers/smart-token.js';
import type { WriteSeen } from './ehr-refusals.js';

/** Starts the test EHR with `env` (its own data directory, clients file, ...). */
export function startEhrProcess(env: Record<string, string>): Promise<ServerProcess> {
  return startServer(env, { args: ['--import', 'tsx', 'test/e2e/support/ehr-main.ts'], timeoutMs: 60000 });
}

/** Every write request the test EHR was sent, with its answer. */
export async function writesSeen(ehr: ServerProcess): Promise<WriteSeen[]> {
  const res = await fetch(`${ehr.origin}/__test/writes`);
  return (await res.json()) as WriteSeen[];
}

/** How many resources of each type a server holds (`_summary=count`, read with its demo backend token). */
export async function countByType(server: ServerProcess, types: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const auth = bearer(await getBackendToken(server.base));
  for (const t of types) {
    const res = await fetch(`${server.base}/${t}?_summary=count`, { headers: auth });
    out[t] = ((await res.json()) as Bundle).total ?? -1;
  }
  return out;
}
