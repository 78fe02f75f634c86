/**
 * The export itself (Bulk Data Access IG 2.0, export.html): for each resource type, the current resources
 * selected by the job's level (all, the Patient compartment, a Group's members' compartments), `_type`
 * and `_since`, as of transactionTime, written as NDJSON files of one type each; with `_since`, the
 * resources deleted since then as transaction Bundles of DELETE entries (manifest `deleted`).
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Bundle, Group } from 'fhir/r4.js';
import { and, type Where } from '../../storage/repository.js';
import type { FhirServices } from '../services.js';
import type { BulkJob, JobFile } from './jobs.js';
import { compartmentTypes } from './kickoff.js';

/** Resources per read from the store, by id: one indexed read per chunk, so the event loop never waits long. */
const CHUNK = 200;
/** Lines per NDJSON file before a new file of the same type is started. */
export const FILE_MAX_LINES = 100000;

/** What the export reports while it runs; `tick` returns false to stop (cancelled). */
export interface ExportHooks {
  tick(done: number, total: number): Promise<boolean>;
}

/** Thrown when the job was cancelled while it ran. */
export class ExportCancelled extends Error {}

interface Selection {
  types: string[];
  /** The condition for a type (undefined: the type has nothing to export). */
  filter(type: string): Where | undefined;
}

/** Group members that are Patients (Group.member.entity), as ids. */
async function groupPatients(services: FhirServices, groupId: string): Promise<string[]> {
  const doc = await services.resources.read('Group', groupId);
  const group = doc?.resource as Group | undefined;
  const ids = new Set<string>();
  for (const m of group?.member ?? []) {
    const hit = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(m.entity.reference ?? '');
    if (hit && !m.inactive) ids.add(hit[1]);
  }
  return [...ids];
}

/** What a job selects, as one filter per type. */
async function selection(services: FhirServices, job: BulkJob): Promise<Selection> {
  const base: Where = { kind: 'updated', lte: job.transactionTime as string, gt: job.since };
  const scope = job.level === 'system' ? [...services.resourceTypes] : compartmentTypes(services);
  const types = (job.types ?? scope).filter((t) => scope.includes(t)).sort();
  if (job.level === 'system') return { types, filter: () => base };
  let patients = job.level === 'group' ? await groupPatients(services, job.groupId as string) : undefined;
  if (job.patients) patients = patients ? patients.filter((p) => job.patients?.includes(p)) : job.patients;
  return {
    types,
    filter: (type) => {
      if (!patients) return type === 'Patient' ? base : and(base, { kind: 'in-some-compartment' });
      if (patients.length === 0) return undefined;
      if (type === 'Patient') return and(base, { kind: 'id', name: '_id', ids: patients });
      const inCompartments: Where = {
        kind: 'or',
        of: patients.map((p) => ({ kind: 'compartment', name: 'patient', compartment: `Patient/${p}` })),
      };
      return and(base, inCompartments);
    },
  };
}

/** Bytes of NDJSON gathered before one write to the file (fewer, larger writes). */
const WRITE_BYTES = 1 << 20;

/** Writes NDJSON lines to numbered files of one type, starting a new file every FILE_MAX_LINES lines. */
class NdjsonWriter {
  readonly files: JobFile[] = [];
  private handle: FileHandle | null = null;
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(
    private readonly dir: string,
    private readonly type: string,
    private readonly suffix: string,
  ) {}

  async write(lines: string[]): Promise<void> {
    let at = 0;
    while (at < lines.length) {
      let current = this.files[this.files.length - 1];
      if (!current || current.count >= FILE_MAX_LINES) {
        await this.flush();
        await this.handle?.close();
        current = {
          type: this.type,
          file: `${this.type}${this.suffix}-${this.files.length + 1}.ndjson`,
          count: 0,
        };
        this.files.push(current);
        this.handle = await open(path.join(this.dir, current.file), 'w');
      }
      const take = lines.slice(at, at + FILE_MAX_LINES - current.count);
      for (const line of take) {
        this.pending.push(line);
        this.pendingChars += line.length + 1;
      }
      current.count += take.length;
      at += take.length;
      if (this.pendingChars >= WRITE_BYTES) await this.flush();
    }
  }

  /** Writes the gathered lines to the current file. */
  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    this.pendingChars = 0;
    await this.handle?.write(text);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = null;
  }
}

/** Ids of the current resources of `type` matching `where`, in id order. */
async function idsOf(services: FhirServices, type: string, where: Where): Promise<string[]> {
  const docs = await services.resources.find(type, where, { fields: 'id', order: 'id' });
  return docs.map((d) => d._id);
}

async function exportType(
  services: FhirServices,
  dir: string,
  type: string,
  ids: string[],
  progress: { done: number; total: number; hooks: ExportHooks },
): Promise<JobFile[]> {
  const out = new NdjsonWriter(dir, type, '');
  try {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const docs = await services.resources.find(
        type,
        { kind: 'id', name: '_id', ids: chunk },
        { fields: 'resource' },
      );
      docs.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
      await out.write(docs.filter((d) => d.resource).map((d) => JSON.stringify(d.resource)));
      progress.done += docs.length;
      if (!(await progress.hooks.tick(progress.done, progress.total))) throw new ExportCancelled();
    }
  } finally {
    await out.close();
  }
  return out.files;
}

/** Resources deleted since `_since` (and still deleted), as transaction Bundles of DELETE entries. */
async function exportDeleted(
  services: FhirServices,
  dir: string,
  job: BulkJob,
  types: string[],
): Promise<JobFile[]> {
  // Tombstones deleted after `_since` and by transactionTime: deleted since then and still deleted.
  const byType = new Map<string, Set<string>>();
  const present = new Set(await services.resources.types());
  for (const type of types) {
    if (!present.has(type)) continue;
    const window: Where = { kind: 'updated', gt: job.since as string, lte: job.transactionTime as string };
    const docs = await services.resources.find(type, window, { fields: 'id', includeDeleted: true });
    for (const d of docs) if (d.deleted) byType.set(type, (byType.get(type) ?? new Set()).add(d._id));
  }
  const out = new NdjsonWriter(dir, 'Bundle', '-deleted');
  try {
    for (const [type, ids] of [...byType].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const lines = [...ids].sort().map((id) => {
        const b: Bundle = {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ request: { method: 'DELETE', url: `${type}/${id}` } }],
        };
        return JSON.stringify(b);
      });
      await out.write(lines);
    }
  } finally {
    await out.close();
  }
  return out.files;
}

/** Runs a claimed job, writing its files into `dir`; returns the manifest's output and deleted files. */
export async function runExport(
  services: FhirServices,
  job: BulkJob,
  dir: string,
  hooks: ExportHooks,
): Promise<{ output: JobFile[]; deleted: JobFile[] }> {
  await mkdir(dir, { recursive: true });
  const sel = await selection(services, job);
  const plan: Array<{ type: string; ids: string[] }> = [];
  // Only the types that hold something are read (no empty collection is made on MongoDB).
  const present = new Set(await services.resources.types());
  for (const type of sel.types) {
    const filter = present.has(type) ? sel.filter(type) : undefined;
    const ids = filter ? await idsOf(services, type, filter) : [];
    if (ids.length > 0) plan.push({ type, ids });
  }
  const progress = { done: 0, total: plan.reduce((n, p) => n + p.ids.length, 0), hooks };
  if (!(await hooks.tick(0, progress.total))) throw new ExportCancelled();
  const output: JobFile[] = [];
  for (const p of plan) output.push(...(await exportType(services, dir, p.type, p.ids, progress)));
  const deleted =
    job.since && job.level === 'system' ? await exportDeleted(services, dir, job, sel.types) : [];
  return { output, deleted };
}
