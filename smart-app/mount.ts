/**
 * Builds the clinician app for a server (createApp mounts it at `/app`): the server's public origin (from
 * its FHIR base URL), the allowed issuers (SMART_APP_CLIENTS_FILE, plus this server with the demo client when
 * SMART_DEMO_CLIENTS is on), the practice time zone and the security settings.
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import { clinicianApp } from './app.js';
import { loadCcmClient, loadIssuerClients } from './issuers.js';

/** The server settings the app reads (a subset of server/config.ts Config). */
export interface ClinicianAppConfig {
  baseUrl: string;
  demoClients?: boolean;
  smartAppClientsFile?: string;
  smartAppFrameAncestors?: string;
  smartAppSessionMinutes?: number;
  practiceTimezone?: string;
}

/** The `/app` router of a server. */
export function clinicianAppOf(
  deps: { config: ClinicianAppConfig; clock?: () => Date; practiceTimezone?: string },
  logger?: Logger,
): Router {
  const c = deps.config;
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
    ccmClient: loadCcmClient(c.smartAppClientsFile),
    timeZone: deps.practiceTimezone ?? c.practiceTimezone ?? 'America/New_York',
    clock: deps.clock,
    logger,
  });
}
