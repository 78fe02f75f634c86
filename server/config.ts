/**
 * One typed Config read from environment variables and validated at start: a bad value stops the
 * process with a message naming the variable instead of surfacing later as a runtime failure.
 */
import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything the server process can be configured with. */
export interface Config {
  port: number;
  host: string;
  /** Public base URL of the FHIR endpoint, e.g. http://127.0.0.1:8080/fhir (no trailing slash). */
  baseUrl: string;
  /** Directory of the embedded engine's journal; unused with MongoDB. */
  dataDir: string;
  mongodbUri?: string;
  mongodbDb?: string;
  logLevel: LogLevel;
  /** Largest accepted request body in bytes. */
  bodyLimitBytes: number;
  /** Load the demo practice into an empty store at start. */
  demoData: boolean;
  /** Milliseconds graceful shutdown waits for in-flight requests. */
  shutdownTimeoutMs: number;
}

/** A configuration error listing every invalid variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  dflt: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name}=${raw}: expected an integer from ${min} to ${max}`);
    return dflt;
  }
  return Number(raw);
}

/** Parses a size such as `5mb`, `512kb` or `1048576` into bytes; NaN when malformed. */
export function parseByteSize(raw: string): number {
  const m = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
  if (!m) return NaN;
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Number(m[1]) * factor;
}

function bool(env: NodeJS.ProcessEnv, name: string, dflt: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  problems.push(`${name}=${raw}: expected true or false`);
  return dflt;
}

function baseUrlOf(env: NodeJS.ProcessEnv, host: string, port: number, problems: string[]): string {
  const raw = env.BASE_URL;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  if (raw === undefined || raw === '') return `http://${shownHost}:${port}/fhir`;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return raw.replace(/\/+$/, '');
  } catch {
    problems.push(`BASE_URL=${raw}: expected an absolute http(s) URL such as https://fhir.example.org/fhir`);
    return `http://${shownHost}:${port}/fhir`;
  }
}

/** Reads and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const port = integer(env, 'PORT', 8080, 0, 65535, problems);
  const host = env.HOST || '127.0.0.1';
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL=${env.LOG_LEVEL}: expected one of ${LOG_LEVELS.join(', ')}`);
  let bodyLimitBytes = 16 * 1024 * 1024;
  if (env.BODY_LIMIT) {
    bodyLimitBytes = parseByteSize(env.BODY_LIMIT);
    if (!Number.isFinite(bodyLimitBytes) || bodyLimitBytes < 1024) {
      problems.push(`BODY_LIMIT=${env.BODY_LIMIT}: expected a size such as 16mb (at least 1kb)`);
      bodyLimitBytes = 16 * 1024 * 1024;
    }
  }
  const mongodbUri = env.MONGODB_URI || undefined;
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    problems.push('MONGODB_URI: expected a mongodb:// or mongodb+srv:// connection string');
  }
  const config: Config = {
    port,
    host,
    baseUrl: baseUrlOf(env, host, port, problems),
    dataDir: path.resolve(env.DATA_DIR || './data'),
    mongodbUri,
    mongodbDb: env.MONGODB_DB || undefined,
    logLevel,
    bodyLimitBytes,
    demoData: bool(env, 'DEMO_DATA', true, problems),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10000, 0, 600000, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
