/**
 * Builds the clinician app for a server (createApp mounts it at `/app`): the server's public origin (from
 * its FHIR base URL), the allowed issuers (SMART_APP_CLIENTS_FILE, plus this server with the demo client when
 * SMART_DEMO_CLIENTS is on), the practice time zone and the security settings.
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { AccessMode } from '../server/auth/smart-access.js';
import type { CcmClient } from './ehr/exchange.js';
import { clinicianApp } from './app.js';
import { loadIssuerClients } from './issuers.js';

/** The server settings the app reads (a subset of server/config.ts Config). */
export interface ClinicianAppConfig {
  baseUrl: string;
  demoClients?: boolean;
  smartAppClientsFile?: string;
  smartAppFrameAncestors?: string;
  smartAppSessionMinutes?: number;
  practiceTimezone?: string;
}

/**
 * The app's credential at this ccm-fhir for the token exchange: the in-process client the server registers
 * whenever it trusts an EHR issuer (server/ccm/ehr-link/app-client.ts); none when it trusts none.
 */
function ccmClientOf(access: AccessMode | undefined): CcmClient | undefined {
  const link = access && 'ehrLink' in access ? access.ehrLink : undefined;
  return link ? { clientId: link.appClient.clientId, privateJwk: link.appClient.privateJwk } : undefined;
}

/** The `/app` router of a server. */
export function clinicianAppOf(
  deps: { config: ClinicianAppConfig; clock?: () => Date; practiceTimezone?: string; access?: AccessMode },
  logger?: Logger,
): Router {
  const c = deps.config;
  const link = deps.access && 'ehrLink' in deps.access ? deps.access.ehrLink : undefined;
  return clinicianApp({
    origin: new URL(c.baseUrl).origin,
    issuers: loadIssuerClients({
      file: c.smartAppClientsFile,
      ownIss: c.baseUrl,
      demoClients: c.demoClients ?? false,
    }),
    frameAncestors: c.smartAppFrameAncestors,
    sessionMinutes: c.smartAppSessionMinutes,
    ownIss: c.baseUrl,
    ccmClient: ccmClientOf(deps.access),
    ...(link ? { issuerWriteBack: new Map(link.issuers.map((i) => [i.iss, i.writeBack])) } : {}),
    timeZone: deps.practiceTimezone ?? c.practiceTimezone ?? 'America/New_York',
    clock: deps.clock,
    logger,
  });
}
