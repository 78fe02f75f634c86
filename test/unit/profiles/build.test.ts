/**
 * Acceptance 3: the snapshot build is reproducible. The build runs twice into temporary folders; both are
 * byte-for-byte what profiles/ holds, and writing it over an up-to-date folder changes nothing. Also: the
 * FHIR JSON agrees with server/ccm/vocabulary.ts (the single source of our URLs and codes).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CodeSystem, StructureDefinition, ValueSet } from 'fhir/r4.js';
import {
  ACTIVITY,
  CATEGORY,
  CONSENT_ELEMENT,
  CS,
  EXTENSION,
  PROFILE,
  PROGRAM,
  TASK_TYPE,
  TIME_EXCLUSION,
  TIME_ROLE,
  VS,
} from '../../../server/ccm/vocabulary.js';
import { buildProfiles } from '../../../scripts/profiles/build.js';
import { defaultTgzPath } from '../../../scripts/profiles/us-core.js';
import { compareWithDir, writeFiles } from '../../../scripts/profiles/write.js';
import { readJson, REPO } from './helpers.js';

const PROFILES_DIR = path.join(REPO, 'profiles');
const inputs = { usCoreTgz: defaultTgzPath(REPO), profilesDir: PROFILES_DIR };
const dirs: string[] = [];
let first: Map<string, string>;

beforeAll(async () => {
  first = await buildProfiles(inputs);
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'ccm-profiles-'));
  dirs.push(d);
  return d;
}

describe('profiles:build', () => {
  test('builds into an empty folder exactly what profiles/ holds', () => {
    const out = tempDir();
    const report = writeFiles(out, first);
    expect(report.written.length).toBe(first.size);
    expect(compareWithDir(out, first)).toEqual([]);
    expect(compareWithDir(PROFILES_DIR, first)).toEqual([]);
    for (const rel of ['StructureDefinition-ccm-consent.json', 'base/us-core-6.1.0/index.json']) {
      expect(readFileSync(path.join(out, rel), 'utf8')).toBe(
        readFileSync(path.join(PROFILES_DIR, rel), 'utf8'),
      );
    }
  });

  test('a second run is byte-for-byte the same and rewrites nothing', async () => {
    const second = await buildProfiles(inputs);
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [rel, text] of first) expect(second.get(rel)).toBe(text);
    const out = tempDir();
    writeFiles(out, first);
    expect(writeFiles(out, second)).toEqual({ written: [], removed: [], unchanged: first.size });
  });

  test('without ../shared the committed US Core copy gives the same files', async () => {
    const fallback = await buildProfiles({
      usCoreTgz: path.join(tempDir(), 'absent.tgz'),
      profilesDir: PROFILES_DIR,
    });
    expect([...fallback.keys()]).toEqual([...first.keys()]);
    for (const [rel, text] of first) expect(fallback.get(rel)).toBe(text);
  });

  test('stale generated files are removed, README.md is kept', () => {
    const out = tempDir();
    writeFiles(
      out,
      new Map([
        ['StructureDefinition-gone.json', '{}\n'],
        ['README.md', 'x'],
      ]),
    );
    const report = writeFiles(out, first);
    expect(report.removed).toEqual(['StructureDefinition-gone.json']);
  });

  test('every profile and extension has a snapshot and a differential', () => {
    for (const url of [...Object.values(PROFILE), ...Object.values(EXTENSION)]) {
      const sd = readJson<StructureDefinition>(
        path.join(PROFILES_DIR, `StructureDefinition-${url.split('/').pop()}.json`),
      );
      expect(sd.url).toBe(url);
      expect(sd.derivation).toBe('constraint');
      expect(sd.snapshot?.element.length).toBeGreaterThan(sd.differential?.element.length ?? 0);
    }
  });
});

describe('the JSON agrees with vocabulary.ts', () => {
  const codes = (url: string) => {
    const cs = readJson<CodeSystem>(path.join(PROFILES_DIR, `CodeSystem-${url.split('/').pop()}.json`));
    expect(cs.url).toBe(url);
    return (cs.concept ?? []).map((c) => c.code);
  };

  test.each([
    [CS.activity, [...ACTIVITY]],
    [CS.timeRole, Object.values(TIME_ROLE)],
    [CS.program, Object.values(PROGRAM)],
    [CS.consentElement, Object.values(CONSENT_ELEMENT)],
    [CS.timeExclusion, [...TIME_EXCLUSION]],
    [CS.taskType, [...TASK_TYPE]],
    [CS.category, Object.values(CATEGORY)],
  ])('%s has exactly the vocabulary codes', (url, expected) => {
    expect(codes(url)).toEqual(expected);
  });

  test('each ValueSet of vocabulary.ts exists with that URL', () => {
    for (const url of Object.values(VS)) {
      expect(readJson<ValueSet>(path.join(PROFILES_DIR, `ValueSet-${url.split('/').pop()}.json`)).url).toBe(
        url,
      );
    }
  });
});
