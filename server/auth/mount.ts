/**
 * Mounts the SMART mode on the app (SMART App Launch 2.2): discovery below the FHIR base, the
 * authorization server at /auth, the EHR launch simulator at /ehr (only when EHR_SIMULATOR is on: it is a
 * demo, not part of a deployment), and bearer-token authentication in front of every /fhir route (metadata
 * and .well-known excepted).
 */
import type { Express } from 'express';
import type { Logger } from 'pino';
import { ehrRouter } from '../ehr/router.js';
import type { FhirServices } from '../fhir/services.js';
import { fhirAuthentication } from '../http/auth.js';
import { discoveryHandlers } from './discovery.js';
import type { RateLimits } from './rate-limits.js';
import { authRouter } from './router.js';
import type { SmartAccess } from './smart-access.js';

/** Mounts /fhir/.well-known/*, /auth, /ehr (when `ehrSimulator`; both under the sign-in limits) and the /fhir authentication middleware. */
export function mountSmart(
  app: Express,
  smart: SmartAccess,
  services: FhirServices,
  logger: Logger,
  limits: RateLimits,
  opts: { ehrSimulator: boolean } = { ehrSimulator: false },
): void {
  const docs = discoveryHandlers(smart);
  app.get('/fhir/.well-known/smart-configuration', docs.smart);
  app.get('/fhir/.well-known/openid-configuration', docs.openid);
  app.use('/auth', authRouter(smart, services, logger, limits));
  if (opts.ehrSimulator) app.use('/ehr', ehrRouter(smart, services, limits.signIn));
  app.use('/fhir', fhirAuthentication(smart));
}
