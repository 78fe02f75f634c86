/**
 * Authorization state on the TTL store. Codes and refresh tokens are random 256-bit strings stored only
 * as SHA-256 keys, so the store never holds a usable credential.
 * - Authorization codes (RFC 6749 §4.1.2, §10.5): single use, 60 s; a second use revokes what the first
 *   one produced.
 * - Refresh tokens (RFC 6749 §6, §10.4; SMART App Launch 2.2 app-launch.html "refresh access token"):
 *   bound to their client, rotated on every use; presenting a rotated one revokes the whole grant.
 * - Grants: the authorization behind the tokens; revoking one (RFC 7009 §2.1) revokes its access tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Grant } from './tokens.js';
import type { SmartAccess } from './smart-access.js';

/** A fresh opaque credential (256 bits, base64url). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The store key of a credential. */
export function keyOf(credential: string): string {
  return createHash('sha256').update(credential, 'utf8').digest('base64url');
}

/** What a code stands for until it is redeemed. */
export interface CodeRecord {
  grant: Grant;
  redirectUri: string;
  codeChallenge: string;
  /** Refresh token lifetime kind requested with offline_access / online_access. */
  refresh?: 'offline' | 'online';
}

/** Issues an authorization code. */
export async function issueCode(smart: SmartAccess, record: CodeRecord): Promise<string> {
  const code = newSecret();
  await smart.state.set('code', keyOf(code), record, smart.settings.codeSeconds);
  return code;
}

/** Redeems a code once; null when unknown, expired or already used (a reuse revokes its grant). */
export async function redeemCode(smart: SmartAccess, code: string): Promise<CodeRecord | null> {
  const key = keyOf(code);
  const record = await smart.state.take<CodeRecord>('code', key);
  if (record) {
    await smart.state.set('code-used', key, record.grant.gid, 24 * 3600);
    return record;
  }
  const usedBy = await smart.state.get<string>('code-used', key);
  if (usedBy) await revokeGrant(smart, usedBy);
  return null;
}

/** A refresh token's record. */
export interface RefreshRecord {
  grant: Grant;
  refresh: 'offline' | 'online';
}

/** Issues a refresh token for a grant (its scope may be narrower than the grant's). */
export async function issueRefreshToken(smart: SmartAccess, record: RefreshRecord): Promise<string> {
  const token = newSecret();
  const ttl = record.refresh === 'offline' ? smart.settings.offlineSeconds : smart.settings.onlineSeconds;
  await smart.state.set('rt', keyOf(token), record, ttl);
  return token;
}

/** The live record of a refresh token, without using it (introspection, revocation, client check). */
export async function peekRefreshToken(smart: SmartAccess, token: string): Promise<RefreshRecord | null> {
  const record = await smart.state.get<RefreshRecord>('rt', keyOf(token));
  if (!record || (await grantRevoked(smart, record.grant.gid))) return null;
  return record;
}

/** Uses a refresh token once (rotation); a rotated token presented again revokes the whole grant. */
export async function useRefreshToken(smart: SmartAccess, token: string): Promise<RefreshRecord | null> {
  const key = keyOf(token);
  const record = await smart.state.take<RefreshRecord>('rt', key);
  if (!record) {
    const gid = await smart.state.get<string>('rt-used', key);
    if (gid) await revokeGrant(smart, gid);
    return null;
  }
  await smart.state.set('rt-used', key, record.grant.gid, smart.settings.offlineSeconds);
  if (await grantRevoked(smart, record.grant.gid)) return null;
  return record;
}

/** Revokes a grant: its refresh tokens stop working, and so do the access tokens issued under it. */
export async function revokeGrant(smart: SmartAccess, gid: string): Promise<void> {
  await smart.state.set('grant-revoked', gid, true, smart.settings.offlineSeconds);
  smart.verified.forgetGrant(gid);
}

/** True when the grant was revoked. */
export async function grantRevoked(smart: SmartAccess, gid: string): Promise<boolean> {
  return (await smart.state.get<boolean>('grant-revoked', gid)) !== null;
}

/** Revokes one access token until it would have expired anyway. */
export async function revokeAccessToken(smart: SmartAccess, jti: string, exp: number): Promise<void> {
  const ttl = Math.max(1, exp - Math.floor(smart.clock().getTime() / 1000));
  await smart.state.set('at-revoked', jti, true, ttl);
  smart.verified.forgetTokenId(jti);
}

/** An EHR launch context (SMART App Launch 2.2 app-launch.html "EHR launch"), bound to one client. */
export interface LaunchContext {
  clientId: string;
  username: string;
  patient?: string;
  encounter?: string;
  needPatientBanner: boolean;
  smartStyleUrl?: string;
}

/** Creates a launch id for the EHR launch of one app (valid 10 minutes). */
export async function createLaunch(smart: SmartAccess, ctx: LaunchContext): Promise<string> {
  const launch = newSecret().slice(0, 24);
  await smart.state.set('launch', launch, ctx, 600);
  return launch;
}

/** The launch context of a launch id, if live. */
export async function readLaunch(smart: SmartAccess, launch: string): Promise<LaunchContext | null> {
  if (!/^[\w-]{1,64}$/.test(launch)) return null;
  return smart.state.get<LaunchContext>('launch', launch);
}
