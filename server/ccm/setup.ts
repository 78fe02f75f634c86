/**
 * Wires the CCM engine into a server: the classifier (with a user-supplied AHRQ chronic condition indicator
 * CSV when configured), the cached practice model, and the three CCM operations in the operation table.
 * createFhirServices calls `setupCcm`; createApp reads the same instance back with `ccmOf` for the dashboard.
 */
import { readFileSync } from 'node:fs';
import type { FhirServices } from '../fhir/services.js';
import { loadChronicIndicatorCsv, type ChronicIndicatorTable } from './classification/ahrq-cci.js';
import { ConditionClassifier } from './classification/classify.js';
import { ccmOperations } from './fhir/operations.js';
import { PracticeModel } from './fhir/practice-model.js';
import { ReportService } from './fhir/report-service.js';
import { engineContext, type PracticeSettings } from './engine/context.js';
import { isValidTimeZone, monthOf, monthRange, shiftMonth } from './time/zone.js';

/** The CCM parts of one server. */
export interface CcmSetup {
  timezone: string;
  classifier: ConditionClassifier;
  model: PracticeModel;
  reports: ReportService;
  /** The practice's settings applied to every evaluation. */
  practice: PracticeSettings;
  /** The loaded AHRQ table, when one was configured. */
  chronicIndicators?: ChronicIndicatorTable;
}

/** CCM options (from Config / AppDeps). */
export interface CcmOptions {
  /** IANA zone of the practice; America/New_York by default. */
  timezone?: string;
  /** Path of an AHRQ chronic condition indicator CSV. */
  chronicIndicatorCsv?: string;
  /** CCM_REQUIRE_ATTESTATION: conditions count only once attested (default: the rules', required). */
  requireAttestation?: boolean;
}

export const DEFAULT_PRACTICE_TIMEZONE = 'America/New_York';

const setups = new WeakMap<FhirServices, CcmSetup>();

/** Builds the CCM parts for a set of services and registers the operations; throws on a bad option. */
export function setupCcm(services: FhirServices, opts: CcmOptions = {}): CcmSetup {
  const timezone = opts.timezone ?? DEFAULT_PRACTICE_TIMEZONE;
  if (!isValidTimeZone(timezone)) throw new Error(`Not an IANA time zone: ${timezone}`);
  const chronicIndicators = opts.chronicIndicatorCsv
    ? loadChronicIndicatorCsv(readFileSync(opts.chronicIndicatorCsv, 'utf8'), opts.chronicIndicatorCsv).table
    : undefined;
  const classifier = new ConditionClassifier(chronicIndicators);
  const model = new PracticeModel(services, timezone);
  const reports = new ReportService(model);
  const practice: PracticeSettings =
    opts.requireAttestation === undefined ? {} : { requireAttestation: opts.requireAttestation };
  for (const op of ccmOperations({ timezone, classifier, practice }, reports))
    services.operations.register(op);
  const setup: CcmSetup = {
    timezone,
    classifier,
    model,
    reports,
    practice,
    ...(chronicIndicators ? { chronicIndicators } : {}),
  };
  setups.set(services, setup);
  return setup;
}

/** Months back from the current one whose time entries the warm-up loads (Medicare's 12-month filing limit). */
export const WARM_MONTHS = 12;

/**
 * Loads the practice model ahead of the first report, after the server started: every view, and the time
 * entries of the months that can still be billed. It yields to the event loop between bulk loads. Then it
 * prepares the report of the previous month, the one billed once a month has closed (each patient's
 * evaluation and FHIR JSON, reused until that patient's record changes), so a biller's first request
 * only assembles it.
 */
export async function warmCcm(services: FhirServices): Promise<void> {
  const { model, reports, timezone, classifier, practice } = ccmOf(services);
  const month = monthOf(services.clock().getTime(), timezone);
  const ctx = engineContext(month, timezone, classifier, practice);
  const from = monthRange(shiftMonth(month, -WARM_MONTHS), timezone).start;
  const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
  await model.warm(ctx, from, pause);
  await pause();
  const previous = await reports.build(engineContext(shiftMonth(month, -1), timezone, classifier, practice));
  previous.bundleJson(services.clock().toISOString());
}

/** The CCM parts set up for these services. */
export function ccmOf(services: FhirServices): CcmSetup {
  const s = setups.get(services);
  if (!s) throw new Error('setupCcm was not called for these services');
  return s;
}
