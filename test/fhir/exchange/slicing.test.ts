/**
 * Large transaction and batch Bundles do not hold the event loop (issue 14 finding 6): their entries are
 * processed in slices of `sliceEntries`, yielding (setImmediate) between slices, so a callback scheduled
 * while a Bundle runs fires before it completes. Proven by structure, not time: a self-rescheduling
 * setImmediate counts the event-loop turns taken while the store's transaction callback runs (zero when the
 * processing never yields, as the memory-only engine does no I/O). The transaction stays all-or-nothing: a
 * read interleaved between slices sees none of its writes.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import type { Bundle } from 'fhir/r4.js';
import {
  bundleLimits,
  configureBundles,
  DEFAULT_BUNDLE_LIMITS,
} from '../../../server/fhir/bundles/limits.js';
import type { FhirServices } from '../../../server/fhir/services.js';
import type { Storage } from '../../../server/storage/repository.js';
import { bundleOf, exchangeApp, postBundle, postEntry, type ExchangeApp } from './helpers.js';

/** Counts event-loop turns (setImmediate callbacks) from the first transaction until `stop`. */
class TurnProbe {
  turns = 0;
  /** Turns taken while a transaction callback was running. */
  inTxTurns = 0;
  /** Turns taken from the first transaction's start to the last one's end. */
  untilLastLeave = 0;
  /** Patients a read saw at each turn taken inside a transaction. */
  seen: number[] = [];
  services?: FhirServices;
  private handle?: NodeJS.Immediate;
  private inTx = 0;

  /** Starts counting, if not already. */
  start(): void {
    this.inTx++;
    if (this.handle) return;
    const tick = () => {
      this.turns++;
      if (this.inTx > 0) this.inTxTurns++;
      if (this.inTx > 0 && this.services) {
        void this.services.resources.count('Patient', { kind: 'all' }).then((n) => this.seen.push(n));
      }
      this.handle = setImmediate(tick);
    };
    this.handle = setImmediate(tick);
  }

  /** Leaves a transaction. */
  leave(): void {
    this.inTx--;
    this.untilLastLeave = this.turns;
  }

  /** Stops counting. */
  stop(): void {
    if (this.handle) clearImmediate(this.handle);
    this.handle = undefined;
  }
}

/** The store, with the probe counting from the start of its first transaction callback. */
function probed(inner: Storage, probe: TurnProbe): Storage {
  return {
    engine: inner.engine,
    repository: (deps) => inner.repository(deps),
    aux: (name) => inner.aux(name),
    transaction: (fn) =>
      inner.transaction(async (session) => {
        probe.start();
        try {
          return await fn(session);
        } finally {
          probe.leave();
        }
      }),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

const patients = (n: number, type: 'transaction' | 'batch'): Bundle =>
  bundleOf(
    type,
    Array.from({ length: n }, (_, i) => postEntry({ resourceType: 'Patient', name: [{ family: `P${i}` }] })),
  );

let t: ExchangeApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function probedApp(probe: TurnProbe, sliceEntries?: number): Promise<ExchangeApp> {
  const app = await exchangeApp({ wrap: (s) => probed(s, probe) });
  probe.services = app.services;
  if (sliceEntries) configureBundles(app.services, { ...bundleLimits(app.services), sliceEntries });
  return app;
}

describe('transactions in slices', () => {
  test(`a 1,000-entry transaction lets the event loop turn at least once per ${DEFAULT_BUNDLE_LIMITS.sliceEntries} entries`, async () => {
    const probe = new TurnProbe();
    t = await probedApp(probe);
    const res = await postBundle(t.app, patients(1000, 'transaction'));
    probe.stop();
    expect(res.status).toBe(200);
    expect(probe.inTxTurns).toBeGreaterThanOrEqual(1000 / DEFAULT_BUNDLE_LIMITS.sliceEntries);
  });

  test('reads run between the slices and see none of the transaction until it commits', async () => {
    const probe = new TurnProbe();
    t = await probedApp(probe);
    const res = await postBundle(t.app, patients(500, 'transaction'));
    probe.stop();
    expect(res.status).toBe(200);
    expect(probe.seen.length).toBeGreaterThan(0);
    expect(new Set(probe.seen)).toEqual(new Set([0]));
    expect(await t.services.resources.count('Patient', { kind: 'all' })).toBe(500);
  });

  test('the slice size is the configured one: 10 entries per slice gives 10 times the turns', async () => {
    const probe = new TurnProbe();
    t = await probedApp(probe, 10);
    const res = await postBundle(t.app, patients(200, 'transaction'));
    probe.stop();
    expect(res.status).toBe(200);
    // planning, checking and writing each of the 200 creates: 600 entry steps, a yield every 10
    expect(probe.inTxTurns).toBeGreaterThanOrEqual(600 / 10 - 1);
  });
});

describe('batches in slices', () => {
  test('a 300-entry batch lets the event loop turn between its entries', async () => {
    const probe = new TurnProbe();
    t = await probedApp(probe, 10);
    const res = await postBundle(t.app, patients(300, 'batch'));
    probe.stop();
    expect(res.status).toBe(200);
    // each entry is its own transaction: the turns between the first one's start and the last one's end
    expect(probe.untilLastLeave).toBeGreaterThanOrEqual(300 / 10 - 1);
  });
});
