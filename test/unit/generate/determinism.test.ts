/** The generator is a pure function of its options: same seed, same bytes; another seed, other bytes. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generatePractice } from '../../../scripts/generate/run.js';
import { options } from './helpers.js';

function files(dir: string, sub = ''): string[] {
  return readdirSync(path.join(dir, sub))
    .sort()
    .flatMap((f) => {
      const rel = path.join(sub, f);
      return statSync(path.join(dir, rel)).isDirectory() ? files(dir, rel) : [rel];
    });
}

describe('generator determinism', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'ccm-gen-test-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const io = { ndjson: true, force: false, now: null };

  it('writes byte-identical output for the same seed and options', async () => {
    const a = fresh();
    const b = fresh();
    const sa = await generatePractice(options(60, 42), a, io);
    const sb = await generatePractice(options(60, 42), b, io);
    expect(sa.byType).toEqual(sb.byType);
    const fa = files(a);
    expect(fa).toEqual(files(b));
    expect(fa).toContain(path.join('bundles', '000000.json'));
    expect(fa).toContain(path.join('bundles', '000060.json'));
    expect(fa).toContain(path.join('ndjson', 'Patient.ndjson'));
    expect(fa).toContain('manifest.json');
    for (const f of fa)
      expect(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f)))).toBe(true);
  });

  it('writes different output for another seed, and NDJSON lines match the bundle resources', async () => {
    const a = fresh();
    const c = fresh();
    const sa = await generatePractice(options(30, 1), a, io);
    await generatePractice(options(30, 2), c, io);
    const p1 = readFileSync(path.join(a, 'bundles', '000001.json'), 'utf8');
    expect(p1).not.toEqual(readFileSync(path.join(c, 'bundles', '000001.json'), 'utf8'));
    let lines = 0;
    for (const f of readdirSync(path.join(a, 'ndjson'))) {
      const text = readFileSync(path.join(a, 'ndjson', f), 'utf8');
      for (const line of text.trimEnd().split('\n')) {
        const r = JSON.parse(line) as { resourceType: string; id: string };
        expect(`${r.resourceType}.ndjson`).toBe(f);
        expect(r.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
        expect(line).not.toContain('urn:uuid:');
        lines++;
      }
    }
    expect(lines).toBe(sa.resources);
  });

  it('refuses to overwrite an earlier run unless forced', async () => {
    const a = fresh();
    await generatePractice(options(2, 1), a, io);
    await expect(generatePractice(options(2, 1), a, io)).rejects.toThrow(/--force/);
    await expect(generatePractice(options(3, 1), a, { ...io, force: true })).resolves.toMatchObject({
      patients: 3,
    });
    expect(readdirSync(path.join(a, 'bundles'))).toHaveLength(4);
  });
});
