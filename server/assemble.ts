/**
 * The server's parts as main.ts wires them, once the public base URL is known: the practice users (the
 * users file, plus the demo users when DEMO_USERS is on), the SMART mode signing them in, and the app.
 * Tests assemble the same way, so what a configuration lets in is tested as the server runs it.
 */
import pino, { type Logger } from 'pino';
import { createApp, type CcmApp } from './app.js';
import { LiveUserStore, practiceUsersOf } from './auth/live-user-store.js';
import { practiceLogin } from './auth/practice-login.js';
import { resolveSessionSecret } from './auth/session-cookie.js';
import { createSmartAccess } from './auth/setup.js';
import type { SmartAccess } from './auth/smart-access.js';
import type { Config } from './config.js';
import type { Storage } from './storage/repository.js';

/** The app and the parts main.ts reports on. */
export interface AssembledApp extends CcmApp {
  access: SmartAccess;
  practiceUsers: LiveUserStore;
}

/** Builds the users store, the SMART mode (always enforced by the server process) and the app. */
export async function assembleApp(deps: {
  config: Config;
  store: Storage;
  logger?: Logger;
}): Promise<AssembledApp> {
  const { config, store } = deps;
  const logger = deps.logger ?? pino({ level: 'silent' });
  const practiceUsers = practiceUsersOf(config, (err) =>
    logger.error(
      { file: config.usersFile, problem: err instanceof Error ? err.message : String(err) },
      'the users file changed but cannot be read; the users read before stay in force',
    ),
  );
  const key = resolveSessionSecret({ secret: config.sessionSecret, dataDir: config.dataDir });
  const access = await createSmartAccess({
    config,
    store,
    ...practiceLogin({ users: practiceUsers, key, secure: config.baseUrl.startsWith('https:') }),
  });
  const built = createApp({ config, store, logger, access, practiceUsers });
  return { ...built, access, practiceUsers };
}
