/**
 * The resume journal (`--state FILE`): one JSON line appended per completed unit (a Bundle file, or one
 * NDJSON chunk) and per completed file, keyed by the SHA-256 of the file's bytes, so a re-run after an
 * interruption skips what was loaded and a re-run after completion skips everything; a file whose content
 * changed is loaded again. Appending (never rewriting) keeps the cost per unit constant and leaves at worst
 * one torn last line after a crash, which is ignored. The first line names the FHIR base the journal
 * belongs to: a journal of another server is refused rather than skipping files that server never got.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';

/** The journal cannot be used (another server's, unreadable). */
export class StateError extends Error {}

interface FileRecord {
  done: boolean;
  /** Completed NDJSON chunks, by index, for the chunk size they were cut with. */
  units: Set<number>;
  chunk?: number;
}

interface Line {
  importState?: number;
  base?: string;
  sha256?: string;
  file?: string;
  unit?: number;
  chunk?: number;
  done?: boolean;
  resources?: number;
}

/** SHA-256 (hex) of a file's bytes, streamed. */
export async function fileHash(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** SHA-256 (hex) of bytes in memory. */
export function bytesHash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** An open resume journal. */
export class ImportState {
  private readonly files = new Map<string, FileRecord>();
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Opens (or starts) the journal at `file` for the server at `base`. */
  static async open(file: string, base: string): Promise<ImportState> {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new StateError(`${file}: ${(err as Error).message}`);
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const handle = await open(file, 'a');
    const state = new ImportState(file, handle);
    if (lines.length === 0) {
      state.append({ importState: 1, base });
      return state;
    }
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as Line;
      } catch {
        return null; // a line torn by a crash
      }
    });
    const head = parsed[0];
    if (head?.importState !== 1) {
      await handle.close();
      throw new StateError(`${file} is not an import state file`);
    }
    if (head.base !== base) {
      await handle.close();
      throw new StateError(`${file} records a load into ${head.base}, not ${base}: use another --state file`);
    }
    for (const l of parsed.slice(1)) if (l?.sha256) state.apply(l);
    return state;
  }

  private apply(l: Line): void {
    const rec = this.files.get(l.sha256 as string) ?? { done: false, units: new Set<number>() };
    if (l.done) rec.done = true;
    else if (typeof l.unit === 'number') {
      if (rec.chunk !== l.chunk) rec.units.clear();
      rec.chunk = l.chunk;
      rec.units.add(l.unit);
    }
    this.files.set(l.sha256 as string, rec);
  }

  private append(l: Line): Promise<void> {
    this.writes = this.writes.then(() => this.handle.appendFile(`${JSON.stringify(l)}\n`));
    return this.writes;
  }

  /** Whether the file with this content was loaded completely. */
  fileDone(sha256: string): boolean {
    return this.files.get(sha256)?.done === true;
  }

  /** Whether chunk `unit` (cut `chunk` lines at a time) of the file with this content was loaded. */
  unitDone(sha256: string, unit: number, chunk: number): boolean {
    const rec = this.files.get(sha256);
    return rec !== undefined && rec.chunk === chunk && rec.units.has(unit);
  }

  /** Records a loaded NDJSON chunk. */
  recordUnit(sha256: string, file: string, unit: number, chunk: number, resources: number): Promise<void> {
    const l: Line = { sha256, file, unit, chunk, resources };
    this.apply(l);
    return this.append(l);
  }

  /** Records a file loaded completely. */
  recordFile(sha256: string, file: string, resources: number): Promise<void> {
    const l: Line = { sha256, file, done: true, resources };
    this.apply(l);
    return this.append(l);
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.writes;
    await this.handle.close();
  }
}
