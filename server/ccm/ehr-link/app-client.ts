/**
 * The clinician app's own credential at ccm-fhir for the token exchange (#18): a `private_key_jwt` client
 * (SMART App Launch 2.2 client-confidential-asymmetric.html) whose ES384 key is generated at first start
 * and kept in the store's `auth_keys` collection (beside the server's signing key; shared by every process
 * of a MongoDB deployment), never in the repository. The registration is built from the public half, so
 * nothing secret is configured or committed. The app, mounted in the same process, signs its client
 * assertions with the private half; an app running elsewhere is registered in SMART_CLIENTS_FILE instead
 * (grant type token-exchange, its own public JWK Set).
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { ClientRegistration } from '../../auth/clients.js';
import { isDuplicateKeyError, type StoredDocument } from '../../storage/document-collection.js';
import type { Storage } from '../../storage/repository.js';
import { TOKEN_EXCHANGE_GRANT } from './identity.js';

/** The client_id of the app's exchange client. */
export const EHR_LINK_CLIENT_ID = 'ccm-app-ehr-link';

/**
 * The most an exchanged token carries (and the default when the app asks for no scope): the linked patient's
 * record and reading the practice's Practitioners (billing practitioner choices). No `user/Provenance.c`:
 * a user scope reaches the whole practice (fhir/access/reach.ts), so it would let the token write a
 * Provenance about another patient's records; a patient-scoped Provenance names the Patient among its
 * targets and every target must be readable by the token (identity.ts mirrorProvenance `patient`).
 */
export const EXCHANGE_SCOPE = 'patient/*.cruds user/Practitioner.rs';

/** The app's private key (ES384, `kid` set) and its public JWK. */
export interface AppClientKey {
  clientId: string;
  privateJwk: JWK & { kid: string; alg: 'ES384' };
  publicJwk: JWK;
}

interface KeyDoc extends StoredDocument {
  jwk: JWK;
}

const KEY_ID = 'ehr-link-app-client';

/** The public half of a private EC JWK. */
function publicOf(jwk: JWK): JWK {
  const { d: _d, ...pub } = jwk;
  void _d;
  return { ...pub, use: 'sig' };
}

async function newKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg: 'ES384', kid: `ehr-link-${Date.now().toString(36)}` };
}

/** The app's key from the store; the first process to start creates it (a racing second one reads it). */
export async function loadAppClientKey(store: Storage): Promise<AppClientKey> {
  const coll = store.aux<KeyDoc>('auth_keys');
  let doc = await coll.findOne({ _id: KEY_ID });
  if (!doc) {
    const jwk = await newKey();
    try {
      await coll.insertOne({ _id: KEY_ID, jwk });
      doc = { _id: KEY_ID, jwk };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      doc = await coll.findOne({ _id: KEY_ID });
      if (!doc) throw err;
    }
  }
  const privateJwk = doc.jwk as AppClientKey['privateJwk'];
  return { clientId: EHR_LINK_CLIENT_ID, privateJwk, publicJwk: publicOf(privateJwk) };
}

/** The registration of the app's exchange client from its public key. */
export function appClientRegistration(key: Pick<AppClientKey, 'clientId' | 'publicJwk'>): ClientRegistration {
  return {
    client_id: key.clientId,
    client_name: 'CCM clinician app launched from an EHR (token exchange)',
    token_endpoint_auth_methods: ['private_key_jwt'],
    grant_types: [TOKEN_EXCHANGE_GRANT],
    scope: EXCHANGE_SCOPE,
    jwks: { keys: [key.publicJwk] },
  };
}
