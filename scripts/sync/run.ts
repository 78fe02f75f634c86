/**
 * One `npm run sync -- --ehr NAME` run (#18): export from the EHR (bulk-client.ts), then write into
 * ccm-fhir (link-writer.ts) in dependency order: Patients first (their ccm-fhir ids are what the other
 * records' `subject` is rewritten to), then Encounters (Condition.encounter), then Conditions and
 * MedicationRequests. A record whose patient is neither in this export nor linked before is skipped and
 * counted (an increment exports only what changed). The state file records the export's transactionTime
 * once everything is written.
 */
import type { Patient, Resource } from 'fhir/r4.js';
import { linkedPatient, mirrorRecord, parseEhrReference } from '../../server/ccm/ehr-link/identity.js';
import type { EhrIssuer } from '../../server/ccm/ehr-link/issuers.js';
import type { HttpStats } from '../import/http.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../import/retry.js';
import type { Authorizer } from '../import/token-source.js';
import { BulkClient, ehrTokens, SYNC_TYPES, type BulkEvent } from './bulk-client.js';
import { LinkWriter, type MirrorItem, type TypeCounts } from './link-writer.js';
import { lastSync, recordSync } from './state.js';

/** What a run needs. */
export interface SyncOptions {
  issuer: EhrIssuer;
  /** ccm-fhir's FHIR base. */
  base: string;
  /** ccm-fhir credentials (the importer's conventions). */
  auth: Authorizer;
  statePath: string;
  /** Ignore the last sync: export everything. */
  full?: boolean;
  /** Records per transaction. */
  chunk?: number;
  policy?: RetryPolicy;
  onEvent?: (e: BulkEvent | { kind: 'written'; type: string; counts: TypeCounts }) => void;
}

/** What a run did. */
export interface SyncSummary {
  ehr: string;
  since?: string;
  transactionTime: string;
  exported: Record<string, number>;
  counts: Record<string, TypeCounts>;
  /** Error files the EHR's manifest listed (OperationOutcomes, not read). */
  exportErrors: number;
  seconds: number;
}

/** The EHR patient a clinical record belongs to (`subject`, else `patient`). */
function patientOf(iss: string, r: Resource): string | undefined {
  const ref =
    (r as { subject?: { reference?: string }; patient?: { reference?: string } }).subject ??
    (r as { patient?: { reference?: string } }).patient;
  const parsed = ref?.reference ? parseEhrReference(iss, ref.reference) : null;
  return parsed?.type === 'Patient' ? parsed.id : undefined;
}

const zero = (): TypeCounts => ({ created: 0, updated: 0, unchanged: 0, skipped: 0 });

/** Runs one sync; throws on an EHR or ccm-fhir failure (the state is then left as it was). */
export async function runSync(o: SyncOptions): Promise<SyncSummary> {
  const started = Date.now();
  const stats: HttpStats = { retries: 0 };
  const policy = o.policy ?? DEFAULT_RETRY;
  const base = o.base.replace(/\/+$/, '');
  const iss = o.issuer.iss;
  const since = o.full ? undefined : lastSync(o.statePath, o.issuer.name, iss, base)?.transactionTime;
  const bulk = new BulkClient(o.issuer, ehrTokens(o.issuer, stats, policy), stats, policy, o.onEvent);
  const manifest = await bulk.waitForManifest(await bulk.kickoff(since));
  const byType = new Map<string, Resource[]>(SYNC_TYPES.map((t) => [t, []]));
  for (const file of manifest.output) {
    if (!byType.has(file.type)) continue;
    byType.get(file.type)?.push(...(await bulk.download(file, manifest.requiresAccessToken !== false)));
  }
  const writer = new LinkWriter(base, o.issuer, o.auth, stats, policy);
  const chunk = o.chunk ?? 200;
  const counts: Record<string, TypeCounts> = Object.fromEntries(SYNC_TYPES.map((t) => [t, zero()]));
  const links = new Map<string, string>();
  const write = async (type: string, items: MirrorItem[]) => {
    for (let i = 0; i < items.length; i += chunk) {
      const ids = await writer.write(type, items.slice(i, i + chunk), counts[type] as TypeCounts);
      for (const [ehrId, id] of ids) links.set(`${type}/${ehrId}`, `${type}/${id}`);
    }
    o.onEvent?.({ kind: 'written', type, counts: counts[type] as TypeCounts });
  };
  await write(
    'Patient',
    (byType.get('Patient') ?? []).map((p) => ({
      ehrId: p.id as string,
      ehr: p,
      mirror: linkedPatient(iss, p as Patient),
    })),
  );
  for (const type of ['Encounter', 'Condition', 'MedicationRequest']) {
    const records = byType.get(type) ?? [];
    const unknown = [...new Set(records.map((r) => patientOf(iss, r)))].filter(
      (p): p is string => p !== undefined && !links.has(`Patient/${p}`),
    );
    for (const [ehrId, r] of await writer.existing('Patient', unknown))
      links.set(`Patient/${ehrId}`, `Patient/${r.id}`);
    const items: MirrorItem[] = [];
    for (const r of records) {
      const patient = patientOf(iss, r);
      if (!patient || !links.has(`Patient/${patient}`)) {
        (counts[type] as TypeCounts).skipped++;
        continue;
      }
      items.push({ ehrId: r.id as string, ehr: r, mirror: mirrorRecord(iss, r, links) });
    }
    await write(type, items);
  }
  const summary: SyncSummary = {
    ehr: o.issuer.name,
    ...(since ? { since } : {}),
    transactionTime: manifest.transactionTime,
    exported: Object.fromEntries([...byType].map(([t, rs]) => [t, rs.length])),
    counts,
    exportErrors: manifest.error?.length ?? 0,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  recordSync(o.statePath, o.issuer.name, {
    iss,
    base,
    transactionTime: manifest.transactionTime,
    finishedAt: new Date().toISOString(),
    counts,
  });
  return summary;
}
