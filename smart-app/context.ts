/**
 * The seam between the clinician app's shell (launch, sessions, layout, CSRF, FHIR access) and its screens.
 * The shell (smart-app/app.ts) owns one launch per tab, identified by a key carried in every URL
 * (`/app/p/{key}/...`), so tabs with different patients never share state. A screen receives these
 * dependencies and mounts its routes on a router already scoped to one launch; it never sees a token.
 */
import type { Request, Response, Router } from 'express';
import type { Bundle, OperationOutcome, Resource } from 'fhir/r4.js';

/**
 * What the EHR launch established for one tab (SMART App Launch 2.2, "launch context"). When another EHR
 * launched the app, the ids are ccm-fhir's (the CCM system of record) and the EHR's own ids are kept beside
 * them; when ccm-fhir launched it, both are the same.
 */
export interface LaunchContext {
  /** The launch key in the URL: `/app/p/{key}/...`. */
  key: string;
  /** The FHIR base URL of the server that launched the app (`iss`). */
  serverUrl: string;
  /** The EHR's FHIR base URL (`iss`; the same as serverUrl). */
  ehrIss: string;
  /** ccm-fhir's FHIR base URL (where every CCM resource is read and written). */
  ccmUrl: string;
  /** True when the launching EHR is not this ccm-fhir (two servers in one launch). */
  twoServers: boolean;
  /** The patient in context: ccm-fhir's Patient id (linked to the EHR's patient). */
  patientId: string;
  /** The patient's id at the EHR. */
  ehrPatientId: string;
  /** The signed-in user at ccm-fhir as a relative reference (`Practitioner/x`; the linked Practitioner). */
  fhirUser?: string;
  /** The signed-in user at the EHR (`Practitioner/x`), from the EHR's id_token. */
  ehrFhirUser?: string;
  /** The user's display name, when known. */
  userName?: string;
  /** The encounter in context, when the EHR sent one. */
  encounterId?: string;
  /**
   * Whether the monthly note may be written back to the EHR (another EHR only): its configuration allows it
   * and the EHR token's scope grants DocumentReference create; `why` says what is missing.
   */
  writeBack?: { allowed: boolean; why?: string };
  /** False when the EHR said it shows its own patient banner (`need_patient_banner: false`). */
  needPatientBanner: boolean;
}

/** A write the FHIR server refused: the screen shows `issues` and keeps the form's input. */
export class FhirWriteError extends Error {
  /** The HTTP status of the refusal (0 when the server could not be reached). */
  readonly status: number;
  /** The server's OperationOutcome, or one made from the transport error. */
  readonly outcome: OperationOutcome;
  /** The server that refused, when the launch has two. */
  readonly server?: 'ehr' | 'ccm';

  constructor(status: number, outcome: OperationOutcome, server?: 'ehr' | 'ccm') {
    super(outcome.issue.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join('; '));
    this.name = 'FhirWriteError';
    this.status = status;
    this.outcome = outcome;
    if (server) this.server = server;
  }
}

/** The FHIR calls a screen may make, on behalf of the launched user (tokens stay on the server). */
export interface FhirApi {
  /** GET [type]/[id]. */
  read<T extends Resource>(type: T['resourceType'], id: string): Promise<T>;
  /** GET [type]?params, following `next` links up to `max` resources (default 1000). */
  search<T extends Resource>(
    type: T['resourceType'],
    params: Record<string, string>,
    max?: number,
  ): Promise<T[]>;
  /** POST [type]; resolves with the stored resource. Throws FhirWriteError when refused. */
  create<T extends Resource>(resource: T): Promise<T>;
  /** PUT [type]/[id], with If-Match when `versionId` is given. Throws FhirWriteError when refused. */
  update<T extends Resource>(resource: T, versionId?: string): Promise<T>;
  /** POST [base] with a transaction Bundle. Throws FhirWriteError when refused. */
  transaction(bundle: Bundle): Promise<Bundle>;
  /**
   * GET [base]/[path] for an operation (`Patient/1/$ccm-month-summary?month=2026-11`); resolves undefined
   * when the server does not offer it (404/501), so a screen can work against any SMART R4 server.
   */
  operation<T extends Resource>(path: string): Promise<T | undefined>;
}

/** A flash message shown once on the next page of the same launch. */
export interface Flash {
  kind: 'success' | 'error';
  text: string;
}

/** What every screen gets from the shell. */
export interface ScreenDeps {
  /** The launch of this request (the router is mounted under `/app/p/:key`). */
  launch(req: Request): LaunchContext;
  /**
   * ccm-fhir, the CCM system of record: every CCM read and write and the $operations. When ccm-fhir itself
   * launched the app this is also the EHR.
   */
  fhir(req: Request): FhirApi;
  /**
   * The launching EHR: chart reads (Patient, Condition, medicines, allergies, encounters, observations) and
   * the DocumentReference write-back only. The same as fhir() when ccm-fhir launched the app.
   */
  ehr(req: Request): FhirApi;
  /**
   * Renders `smart-app/views/{view}.hbs` inside the app layout (patient banner, navigation, CSRF token as
   * `csrfToken`, `base` = `/app/p/{key}`, flash), with `data` as the view's context.
   */
  render(req: Request, res: Response, view: string, data: Record<string, unknown>): Promise<void>;
  /** Queues a message for the next page of this launch (post/redirect/get). */
  flash(req: Request, flash: Flash): void;
  /** A small per-launch store (server side) for state a screen keeps between requests, e.g. a running timer. */
  state(req: Request): Map<string, unknown>;
  /** The clock (tests pass a fixed one). */
  now(): Date;
  /** The practice time zone (IANA), for month boundaries. */
  timeZone: string;
}

/** A screen mounts its routes (relative paths such as `/care-plan`) on the launch-scoped router. */
export type MountScreen = (router: Router, deps: ScreenDeps) => void;
