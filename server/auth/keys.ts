/**
 * The authorization server's signing key (RS256: SMART App Launch 2.2 scopes-and-launch-context.html
 * "Signed ID Token: RSA SHA-256"), used for access tokens and id_tokens and published as a bare JWK at
 * the JWKS endpoint. Where it comes from, first match wins: a configured file (private JWK JSON or PKCS#8
 * PEM); with SQLite, `DATA_DIR/keys/signing-key.json` (made on first start, mode 0600);
 * with MongoDB, the `auth_keys` collection (made once, shared by every server process).
 */
import type { Storage } from '../storage/repository.js';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';
import { isDuplicateKeyError, type StoredDocument } from '../storage/document-collection.js';

export const SIGNING_ALG = 'RS256';

/** The signing key and its public half. */
export interface SigningKeys {
  kid: string;
  alg: typeof SIGNING_ALG;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public JWK with kid, alg and use. */
  publicJwk: JWK;
}

/** Builds the key set from a private JWK. */
export async function keysFromJwk(privateJwk: JWK): Promise<SigningKeys> {
  if (privateJwk.kty !== 'RSA' || !privateJwk.d) throw new Error('The signing key must be a private RSA JWK');
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = privateJwk;
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(pub));
  const publicJwk: JWK = { kty: 'RSA', n: pub.n, e: pub.e, kid, alg: SIGNING_ALG, use: 'sig' };
  return {
    kid,
    alg: SIGNING_ALG,
    privateKey: (await importJWK({ ...privateJwk, alg: SIGNING_ALG }, SIGNING_ALG)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, SIGNING_ALG)) as CryptoKey,
    publicJwk,
  };
}

/** Generates a new RSA 2048 private JWK. */
export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  return { ...jwk, kid: await calculateJwkThumbprint(pub) };
}

/** Generates a fresh in-memory key (tests, or a server that needs no durable key). */
export async function generateSigningKeys(): Promise<SigningKeys> {
  return keysFromJwk(await generatePrivateJwk());
}

/** Reads a key file: a private JWK (JSON) or a PKCS#8 PEM. */
async function readKeyFile(file: string): Promise<SigningKeys> {
  const text = readFileSync(file, 'utf8').trim();
  if (text.startsWith('-----BEGIN')) {
    const key = await importPKCS8(text, SIGNING_ALG, { extractable: true });
    return keysFromJwk(await exportJWK(key));
  }
  return keysFromJwk(JSON.parse(text) as JWK);
}

/** DATA_DIR/keys/signing-key.json, created atomically with mode 0600 when missing. */
async function dataDirKey(dataDir: string): Promise<SigningKeys> {
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, 'signing-key.json');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(await generatePrivateJwk()), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  }
  return readKeyFile(file);
}

interface KeyDoc extends StoredDocument {
  jwk: JWK;
}

/** The key kept in the store's `auth_keys` collection; the first process to start creates it. */
async function storedKey(store: Storage): Promise<SigningKeys> {
  const coll = store.aux<KeyDoc>('auth_keys');
  const found = await coll.findOne({ _id: 'signing' });
  if (found) return keysFromJwk(found.jwk);
  const jwk = await generatePrivateJwk();
  try {
    await coll.insertOne({ _id: 'signing', jwk });
    return keysFromJwk(jwk);
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const winner = await coll.findOne({ _id: 'signing' });
    if (!winner) throw err;
    return keysFromJwk(winner.jwk);
  }
}

/** Loads the signing key from configuration, DATA_DIR (SQLite) or the store (MongoDB). */
export async function loadSigningKeys(opts: {
  file?: string;
  store: Storage;
  dataDir?: string;
}): Promise<SigningKeys> {
  if (opts.file) return readKeyFile(opts.file);
  if (opts.store.engine === 'sqlite' && opts.dataDir) return dataDirKey(opts.dataDir);
  return storedKey(opts.store);
}
