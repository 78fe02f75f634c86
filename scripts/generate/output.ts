/**
 * Streaming output of the generator: one transaction Bundle file per patient under `bundles/` (the
 * practice bundle is `bundles/<zeros>.json`, so it sorts first), one NDJSON file per resource type under
 * `ndjson/`, and `manifest.json`. Nothing is held beyond one batch of NDJSON lines per type.
 */
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { Bundle } from 'fhir/r4.js';

const FLUSH_BYTES = 1 << 20;

/** Writes the generated practice to a directory. */
export class PracticeWriter {
  private readonly streams = new Map<string, WriteStream>();
  private readonly pending = new Map<string, { lines: string[]; bytes: number }>();
  readonly width: number;

  constructor(
    readonly dir: string,
    patients: number,
    private readonly ndjson: boolean,
  ) {
    this.width = Math.max(6, String(patients).length);
    mkdirSync(path.join(dir, 'bundles'), { recursive: true });
    if (ndjson) mkdirSync(path.join(dir, 'ndjson'), { recursive: true });
  }

  /** File name of bundle `n` (0 is the practice). */
  bundleName(n: number): string {
    return `${String(n).padStart(this.width, '0')}.json`;
  }

  /** Writes bundle `n` (synchronously: one small file). */
  writeBundle(n: number, bundle: Bundle): void {
    writeFileSync(path.join(this.dir, 'bundles', this.bundleName(n)), JSON.stringify(bundle));
  }

  /** Queues NDJSON lines; flushes a type's batch to its file once it is large, honouring backpressure. */
  async addNdjson(byType: Map<string, string[]>): Promise<void> {
    if (!this.ndjson) return;
    for (const [type, lines] of byType) {
      let p = this.pending.get(type);
      if (!p) this.pending.set(type, (p = { lines: [], bytes: 0 }));
      for (const l of lines) {
        p.lines.push(l);
        p.bytes += l.length + 1;
      }
      if (p.bytes >= FLUSH_BYTES) await this.flush(type);
    }
  }

  private async flush(type: string): Promise<void> {
    const p = this.pending.get(type);
    if (!p || p.lines.length === 0) return;
    let stream = this.streams.get(type);
    if (!stream) {
      stream = createWriteStream(path.join(this.dir, 'ndjson', `${type}.ndjson`));
      this.streams.set(type, stream);
    }
    const chunk = `${p.lines.join('\n')}\n`;
    p.lines = [];
    p.bytes = 0;
    if (!stream.write(chunk)) await once(stream, 'drain');
  }

  /** Flushes every batch and closes the files. */
  async close(manifest: unknown): Promise<void> {
    for (const type of [...this.pending.keys()].sort()) await this.flush(type);
    await Promise.all(
      [...this.streams.values()].map(async (s) => {
        s.end();
        await once(s, 'close');
      }),
    );
    writeFileSync(path.join(this.dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}
