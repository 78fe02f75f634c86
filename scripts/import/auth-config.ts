/**
 * Where the importer's credentials come from: never the command line (it lands in shell history and
 * process listings). Either a JSON config file (`--auth FILE` or `FHIR_AUTH_FILE`), which is then the whole
 * credential configuration, or environment variables:
 *
 *   FHIR_CLIENT_ID          the registered Backend Services client
 *   FHIR_PRIVATE_KEY_FILE   its private key (PKCS#8 PEM, or a private JWK as JSON) for private_key_jwt,
 *   FHIR_KEY_ID             the key's `kid` as registered (a JWK file's own `kid` otherwise)
 *   FHIR_CLIENT_SECRET_FILE a file holding its client secret (client_secret_basic), or
 *   FHIR_CLIENT_SECRET      the secret itself
 *   FHIR_SCOPE              scopes to ask for (default system/*.cruds)
 *   FHIR_TOKEN              fallback: a ready access token, used as is (never renewed: a load longer than
 *                           its lifetime fails with 401)
 *
 * The file holds the same settings as camelCase keys (clientId, privateKeyFile, keyId, clientSecretFile,
 * clientSecret, scope); relative paths are read beside it. SMART App Launch 2.2 backend-services.html.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** A private key that signs client assertions (RS384 or ES384, as the server accepts). */
export interface SigningKey {
  key: KeyObject;
  kid: string;
  alg: 'RS384' | 'ES384';
}

/** How the importer authorizes its requests. */
export type AuthConfig =
  | { kind: 'none' }
  | { kind: 'static'; token: string }
  | {
      kind: 'client';
      clientId: string;
      scope: string;
      secret?: string;
      signingKey?: SigningKey;
      source: string;
    };

/** A configuration problem (the import does not start). */
export class AuthConfigError extends Error {}

interface Settings {
  clientId?: string;
  privateKeyFile?: string;
  keyId?: string;
  clientSecretFile?: string;
  clientSecret?: string;
  scope?: string;
  token?: string;
}

const FILE_KEYS = ['clientId', 'privateKeyFile', 'keyId', 'clientSecretFile', 'clientSecret', 'scope'];

function readSigningKey(file: string, keyId: string | undefined): SigningKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new AuthConfigError(`private key file ${file} cannot be read`);
  }
  let key: KeyObject;
  let kid = keyId;
  try {
    if (text.trim().startsWith('{')) {
      const jwk = JSON.parse(text) as { kid?: string };
      kid ??= jwk.kid;
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else key = createPrivateKey(text);
  } catch {
    throw new AuthConfigError(`${file} is not a private key (PKCS#8 PEM or a private JWK)`);
  }
  if (!kid)
    throw new AuthConfigError(`the key in ${file} needs a kid: set keyId / FHIR_KEY_ID as registered`);
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type === 'rsa') return { key, kid, alg: 'RS384' };
  if (type === 'ec' && (curve === 'secp384r1' || curve === 'P-384')) return { key, kid, alg: 'ES384' };
  throw new AuthConfigError(`${file}: the server accepts RS384 (RSA) or ES384 (EC P-384) keys only`);
}

function readSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new AuthConfigError(`client secret file ${file} cannot be read`);
  }
}

/** A warning when a file holding a credential can be read by others (as ssh warns). */
function exposure(file: string): string | null {
  try {
    return (statSync(file).mode & 0o077) !== 0
      ? `warning: ${file} holds a credential and is readable by other users (chmod 600 it)`
      : null;
  } catch {
    return null;
  }
}

function fromFile(file: string): Settings {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new AuthConfigError(`auth config ${file} cannot be read as JSON`);
  }
  const unknown = Object.keys(json).filter((k) => !FILE_KEYS.includes(k));
  if (unknown.length > 0)
    throw new AuthConfigError(`auth config ${file}: unknown keys ${unknown.join(', ')}`);
  const dir = path.dirname(file);
  const str = (k: string) => (typeof json[k] === 'string' ? (json[k] as string) : undefined);
  const rel = (k: string) => (str(k) === undefined ? undefined : path.resolve(dir, str(k) as string));
  return {
    clientId: str('clientId'),
    privateKeyFile: rel('privateKeyFile'),
    keyId: str('keyId'),
    clientSecretFile: rel('clientSecretFile'),
    clientSecret: str('clientSecret'),
    scope: str('scope'),
  };
}

function fromEnv(env: NodeJS.ProcessEnv): Settings {
  const v = (k: string) => (env[k] && env[k] !== '' ? env[k] : undefined);
  return {
    clientId: v('FHIR_CLIENT_ID'),
    privateKeyFile: v('FHIR_PRIVATE_KEY_FILE'),
    keyId: v('FHIR_KEY_ID'),
    clientSecretFile: v('FHIR_CLIENT_SECRET_FILE'),
    clientSecret: v('FHIR_CLIENT_SECRET'),
    scope: v('FHIR_SCOPE'),
    token: v('FHIR_TOKEN'),
  };
}

/**
 * The auth configuration from `file` (the `--auth` option or FHIR_AUTH_FILE) or the environment; `warn`
 * receives warnings about credential files others can read.
 */
export function loadAuthConfig(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => undefined,
): AuthConfig {
  const configFile = file ?? (env.FHIR_AUTH_FILE || undefined);
  const s = configFile ? fromFile(configFile) : fromEnv(env);
  const source = configFile ?? 'environment';
  if (!s.clientId) {
    if (s.privateKeyFile || s.clientSecret || s.clientSecretFile)
      throw new AuthConfigError(`${source}: a key or secret is set but no client id`);
    return s.token ? { kind: 'static', token: s.token } : { kind: 'none' };
  }
  const methods = [s.privateKeyFile, s.clientSecretFile, s.clientSecret].filter(Boolean).length;
  if (methods !== 1)
    throw new AuthConfigError(
      `${source}: give exactly one of a private key file, a client secret file or a client secret`,
    );
  for (const f of [configFile, s.privateKeyFile, s.clientSecretFile]) {
    const w = f ? exposure(f) : null;
    if (w && (f !== configFile || s.clientSecret)) warn(w);
  }
  return {
    kind: 'client',
    clientId: s.clientId,
    scope: s.scope ?? 'system/*.cruds',
    secret: s.clientSecret ?? (s.clientSecretFile ? readSecret(s.clientSecretFile) : undefined),
    signingKey: s.privateKeyFile ? readSigningKey(s.privateKeyFile, s.keyId) : undefined,
    source,
  };
}
