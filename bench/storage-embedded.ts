/**
 * Embedded storage engine benchmark: durable inserts/s with 1 and 16 concurrent writers into a temporary
 * data directory, fsyncs per write, and find-by-_id / indexed-query latency at 100k documents.
 * Run: npx tsx bench/storage-embedded.ts  (prints JSON)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openEmbeddedStore, type EmbeddedStore } from '../server/storage/embedded/embedded-store.js';
import type { StoredDocument } from '../server/storage/document-collection.js';

/** A FHIR-like document of roughly 1 KB with index fields beside the resource. */
function makeDoc(i: number): StoredDocument {
  const patient = `Patient/${i % 1000}`;
  return {
    _id: `Observation/${i}`,
    t: 'Observation',
    rid: String(i),
    vid: 1,
    lu: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    sp: { patient: [{ r: patient }], code: [{ s: 'http://loinc.org', c: String(8000 + (i % 50)) }] },
    res: {
      resourceType: 'Observation',
      id: String(i),
      status: 'final',
      code: {
        coding: [
          { system: 'http://loinc.org', code: String(8000 + (i % 50)), display: 'Blood pressure panel' },
        ],
      },
      subject: { reference: patient },
      effectiveDateTime: '2026-01-01T10:00:00Z',
      valueQuantity: {
        value: 120 + (i % 40),
        unit: 'mmHg',
        system: 'http://unitsofmeasure.org',
        code: 'mm[Hg]',
      },
      note: [{ text: 'Measured at rest, seated, after five minutes. '.repeat(8) }],
    },
  };
}

async function insertRate(
  store: EmbeddedStore,
  writers: number,
  total: number,
  offset: number,
): Promise<Record<string, number>> {
  const coll = store.collection('Observation');
  const before = store.stats();
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < total) {
        const i = offset + next++;
        await coll.insertOne(makeDoc(i));
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const after = store.stats();
  return {
    writers,
    writes: total,
    insertsPerSecond: Math.round(total / seconds),
    fsyncs: after.fsyncs - before.fsyncs,
    fsyncsPerWrite: Number(((after.fsyncs - before.fsyncs) / total).toFixed(3)),
  };
}

async function replaceRate(
  store: EmbeddedStore,
  writers: number,
  total: number,
): Promise<Record<string, number>> {
  const coll = store.collection('Observation');
  const before = store.stats();
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < total) {
        const i = next++ % 2000;
        const current = await coll.findOne({ _id: `Observation/${i}` });
        const vid = (current?.vid as number) ?? 1;
        await coll.replaceOne({ _id: `Observation/${i}`, vid }, { ...makeDoc(i), vid: vid + 1 });
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const after = store.stats();
  return {
    writers,
    writes: total,
    versionCheckedReplacesPerSecond: Math.round(total / seconds),
    fsyncsPerWrite: Number(((after.fsyncs - before.fsyncs) / total).toFixed(3)),
  };
}

function timeMicros(iterations: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  return (async () => {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await fn(i);
    return Number((((performance.now() - start) * 1000) / iterations).toFixed(2));
  })();
}

async function readLatency(): Promise<Record<string, number>> {
  const store = await openEmbeddedStore({ dataDir: null });
  const coll = store.collection('Observation');
  await coll.createIndex({ 'sp.patient.r': 1 });
  await coll.createIndex({ lu: 1 });
  const n = 100_000;
  const loadStart = performance.now();
  for (let i = 0; i < n; i += 1000)
    await coll.insertMany(Array.from({ length: 1000 }, (_v, j) => makeDoc(i + j)));
  const loadMs = performance.now() - loadStart;
  const ids = Array.from({ length: 1000 }, (_v, i) => `Observation/${(i * 97) % n}`);
  await timeMicros(2000, (i) => coll.findOne({ _id: ids[i % ids.length] }));
  const findById = await timeMicros(20000, (i) => coll.findOne({ _id: ids[i % ids.length] }));
  const patientQuery = await timeMicros(2000, (i) =>
    coll
      .find({ 'sp.patient': { $elemMatch: { r: `Patient/${i % 1000}` } } }, { sort: { lu: -1 }, limit: 20 })
      .toArray(),
  );
  const scanStart = performance.now();
  await coll.find({ 'res.status': 'amended' }).toArray();
  const scanMs = performance.now() - scanStart;
  await store.close();
  return {
    documents: n,
    loadInsertsPerSecondMemory: Math.round(n / (loadMs / 1000)),
    findByIdMicros: findById,
    patientQueryMicros: patientQuery,
    unindexedScanMillis: Number(scanMs.toFixed(1)),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ccm-bench-'));
  try {
    const store = await openEmbeddedStore({ dataDir: dir });
    await store.collection('Observation').createIndex({ 'sp.patient.r': 1 });
    const single = await insertRate(store, 1, 2000, 0);
    const concurrent = await insertRate(store, 16, 10000, 1_000_000);
    const replaces = await replaceRate(store, 16, 5000);
    const stats = store.stats();
    await store.close();
    const reads = await readLatency();
    console.log(
      JSON.stringify(
        {
          node: process.version,
          durableInserts: [single, concurrent],
          durableReplaces: replaces,
          journal: { records: stats.records, fsyncs: stats.fsyncs, bytes: stats.bytes },
          reads,
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
