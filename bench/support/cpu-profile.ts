/**
 * Summarises a V8 `.cpuprofile` (written by `node --cpu-prof`): self and inclusive time per function and
 * self time per module (a package under node_modules, or a source folder of the project), so a missed
 * target can be explained from a profile rather than a guess.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One row of a summary: a name and its share of the sampled time. */
export interface ProfileRow {
  name: string;
  ms: number;
  percent: number;
}

/** A profile's summary. */
export interface ProfileSummary {
  totalMs: number;
  idlePercent: number;
  gcPercent: number;
  selfByFunction: ProfileRow[];
  selfByModule: ProfileRow[];
  inclusiveProjectFunctions: ProfileRow[];
}

/** `node_modules/<pkg>` or the project folder (server/fhir/search, ...) or `node:` internals. */
export function moduleOf(url: string): string {
  if (url === '') return '(native/V8)';
  if (url.startsWith('node:')) return 'node: internals';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const proj = /\/(server|bench|scripts)\/(.*)\/[^/]+$/.exec(url);
  if (proj) return `${proj[1]}/${proj[2]}`;
  const top = /\/(server|bench|scripts)\/[^/]+$/.exec(url);
  return top ? top[1] : url.replace(/^.*\//, '');
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url.replace(/^.*\/(node_modules\/|server\/|bench\/|scripts\/)/, '$1');
  return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
}

function top(map: Map<string, number>, total: number, n: number): ProfileRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({
      name,
      ms: Math.round(us / 1000),
      percent: Math.round((us / total) * 1000) / 10,
    }));
}

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

/** Reads and summarises a .cpuprofile file, between `fromMs` and `toMs` after the profile started. */
export function summariseProfile(file: string, rows = 20, fromMs = 0, toMs = Infinity): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let elapsed = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    elapsed += dt;
    const node = byId.get(p.samples[i]);
    if (!node || elapsed < fromMs * 1000 || elapsed > toMs * 1000) continue;
    total += dt;
    add(self, frameName(node), dt);
    add(
      modules,
      node.callFrame.functionName === '(garbage collector)'
        ? '(garbage collector)'
        : moduleOf(node.callFrame.url),
      dt,
    );
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id) as ProfileNode;
      if (!/\/server\//.test(n.callFrame.url)) continue;
      const key = frameName(n);
      if (!seen.has(key)) add(inclusive, key, dt);
      seen.add(key);
    }
  }
  const share = (name: string) => Math.round(((self.get(name) ?? 0) / Math.max(1, total)) * 1000) / 10;
  const idle = [...self.keys()].find((k) => k.startsWith('(idle)'));
  const gc = [...self.keys()].find((k) => k.startsWith('(garbage collector)'));
  return {
    totalMs: Math.round(total / 1000),
    idlePercent: idle ? share(idle) : 0,
    gcPercent: gc ? share(gc) : 0,
    selfByFunction: top(self, total, rows),
    selfByModule: top(modules, total, rows),
    inclusiveProjectFunctions: top(inclusive, total, rows),
  };
}
