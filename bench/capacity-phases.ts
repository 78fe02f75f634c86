/**
 * The load phases of the capacity benchmark (autocannon through bench/support/load.ts, one script per
 * connection, random patients): patient-scoped search alone, and a mixed load of 90 % patient-scoped
 * searches and reads and 10 % Observation writes (half PUT to ids each connection owns, so creates then
 * updates, half POST). Around each phase the server's event-loop histogram is reset and read
 * (bench/capacity-probe.ts); during the last 20 s of the mixed phase the server's RSS is sampled.
 */
import type { Observation } from 'fhir/r4.js';
import { demoToken } from './lib.js';
import type { Probe, ProbeReader } from './capacity-probe.js';
import { runLoad, type ConnectionScript, type LoadResult, type RequestSpec } from './support/load.js';
import { procSample } from './support/processes.js';

/** A running capacity server as the phases need it. */
export interface Target {
  origin: string;
  base: string;
  pid: number;
  probes: ProbeReader;
  patientIds: string[];
  connections: number;
}

/** One measured phase: the load generator's view and the server's own event-loop histogram. */
export interface PhaseResult {
  load: LoadResult;
  eventLoop: Probe;
  /** When the load ran (epoch ms), to pick the phase's lines out of the server's log. */
  window: { from: number; to: number };
  /** CPU of this process (the load generator) during the phase, percent of one core. */
  loadGeneratorCpuPercent: number;
}

/** Ids of Observations a connection PUTs in turn (the first round creates them, later rounds update). */
const OWNED_PER_CONNECTION = 200;

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];

/** A vital-sign Observation of `patient`, as a clinician app or an EHR interface writes one. */
function observation(patient: string, id?: string): Observation {
  return {
    resourceType: 'Observation',
    ...(id ? { id } : {}),
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: {
      value: 55 + Math.floor(Math.random() * 50),
      unit: 'beats/minute',
      system: 'http://unitsofmeasure.org',
      code: '/min',
    },
  };
}

/** Patient-scoped search only: `Condition?patient=<random patient>`. */
function searchScript(t: Target): ConnectionScript {
  return {
    next: () => ({ kind: 'Condition?patient', path: `/fhir/Condition?patient=${pick(t.patientIds)}` }),
  };
}

/** The mixed script of connection `c`: 90 % patient-scoped reads, 10 % writes. */
function mixedScript(t: Target, c: number): ConnectionScript {
  let k = 0;
  const json = { 'content-type': 'application/fhir+json' };
  const next = (): RequestSpec => {
    const p = pick(t.patientIds);
    const r = Math.random();
    if (r < 0.05) {
      const id = `cap-c${c}-${k++ % OWNED_PER_CONNECTION}`;
      const body = JSON.stringify(observation(p, id));
      return {
        kind: 'write PUT Observation',
        method: 'PUT',
        path: `/fhir/Observation/${id}`,
        headers: json,
        body,
      };
    }
    if (r < 0.1) {
      const body = JSON.stringify(observation(p));
      return {
        kind: 'write POST Observation',
        method: 'POST',
        path: '/fhir/Observation',
        headers: json,
        body,
      };
    }
    if (r < 0.45) return { kind: 'Condition?patient', path: `/fhir/Condition?patient=${p}` };
    if (r < 0.65) return { kind: 'Observation?patient', path: `/fhir/Observation?patient=${p}` };
    if (r < 0.8) return { kind: 'Encounter?patient', path: `/fhir/Encounter?patient=${p}` };
    if (r < 0.85)
      return { kind: 'CarePlan?patient&status', path: `/fhir/CarePlan?patient=${p}&status=active` };
    return { kind: 'read Patient', path: `/fhir/Patient/${p}` };
  };
  return { next };
}

/** Something watched while the load runs: started right before it, stopped right after it. */
type Watch<W> = () => { stop(): W };

/**
 * Runs `seconds` of `script` with a fresh token, the event-loop histogram reset before and read after;
 * `watch` runs exactly as long as the load.
 */
async function phase<W = undefined>(
  t: Target,
  seconds: number,
  script: (c: number) => ConnectionScript,
  watch?: Watch<W>,
): Promise<PhaseResult & { watched?: W }> {
  const headers = { authorization: `Bearer ${await demoToken(t.base)}` };
  await t.probes.probe(); // reset: what came before is not this phase's
  const from = Date.now();
  const cpu0 = process.cpuUsage();
  const watching = watch?.();
  const load = await runLoad({
    origin: t.origin,
    connections: t.connections,
    seconds,
    script,
    pid: t.pid,
    headers,
  });
  const watched = watching?.stop();
  const cpu = process.cpuUsage(cpu0);
  const to = Date.now();
  const loadGeneratorCpuPercent = Math.round((cpu.user + cpu.system) / 10 / (to - from));
  const eventLoop = await t.probes.probe();
  return { load, eventLoop, window: { from, to }, loadGeneratorCpuPercent, watched };
}

/** A short search load so that the measured phases do not include the first compilations. */
export function warmup(t: Target, seconds: number): Promise<PhaseResult> {
  return phase(t, seconds, () => searchScript(t));
}

/** Phase (a): patient-scoped search. */
export function searchPhase(t: Target, seconds: number): Promise<PhaseResult> {
  return phase(t, seconds, () => searchScript(t));
}

/** RSS samples of the server (MB, every `everyMs`) from `fromMs` after the start until stopped. */
function rssSampler(pid: number, fromMs: number, everyMs: number): { stop(): number[] } {
  const samples: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  const start = setTimeout(() => {
    const take = () => {
      try {
        samples.push(procSample(pid).rssMb);
      } catch {
        clearInterval(timer);
      }
    };
    take();
    timer = setInterval(take, everyMs);
  }, fromMs);
  return {
    stop() {
      clearTimeout(start);
      clearInterval(timer);
      return samples;
    },
  };
}

/** Phase (b): the mixed load, with the server's RSS sampled every 2 s over its last 20 s. */
export async function mixedPhase(
  t: Target,
  seconds: number,
): Promise<PhaseResult & { rssLast20sMb: number[]; rssLast20sMaxMb: number }> {
  const sample = () => rssSampler(t.pid, Math.max(0, seconds - 20) * 1000, 2000);
  const { watched, ...result } = await phase(t, seconds, (c) => mixedScript(t, c), sample);
  const samples = watched ?? [];
  return { ...result, rssLast20sMb: samples, rssLast20sMaxMb: samples.length ? Math.max(...samples) : NaN };
}
