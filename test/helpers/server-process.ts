/** Starts the real server process (as `npm start` does) on a free port and waits until it serves. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bearer, getBackendToken } from './smart-token.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A running server process. */
export interface ServerProcess {
  child: ChildProcess;
  base: string;
  origin: string;
  /** A SMART Backend Services token of the demo EHR client (system/*.cruds) for this server (empty with `token: false`). */
  token: string;
  /** `{ authorization: 'Bearer …' }` with that token. */
  auth: { authorization: string };
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

/**
 * Spawns `command args` in the project root with PORT=0 and waits for the "FHIR base:" line.
 * The demo (demo users and clients, /ehr, demo data) is turned on explicitly with DEMO=true unless `env`
 * says otherwise; `token: false` skips getting the demo EHR client's token (for servers without demo clients).
 * `detached` puts it in its own process group so that `npm start` and its children can be killed together.
 */
export function startServer(
  env: Record<string, string>,
  opts: { command?: string; args?: string[]; detached?: boolean; timeoutMs?: number; token?: boolean } = {},
): Promise<ServerProcess> {
  const command = opts.command ?? process.execPath;
  const args = opts.args ?? ['--import', 'tsx', 'server/main.ts'];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: '',
      DEMO: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in time:\n${out}`)),
      opts.timeoutMs ?? 30000,
    );
    const check = () => {
      const m = /FHIR base:\s+(http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      const base = m[1];
      (opts.token === false ? Promise.resolve('') : getBackendToken(base)).then(
        (token) =>
          resolve({
            child,
            base,
            origin: new URL(base).origin,
            token,
            auth: bearer(token),
            output: () => out,
            exited,
          }),
        (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
      );
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before serving:\n${out}`));
    });
  });
}

/** Kills every server still running (a detached `npm start` by its process group), for a suite's afterAll. */
export function killLeftovers(procs: readonly ServerProcess[]): void {
  for (const p of procs) {
    if (p.child.exitCode !== null || p.child.signalCode !== null || !p.child.pid) continue;
    try {
      process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      p.child.kill('SIGKILL');
    }
  }
}
