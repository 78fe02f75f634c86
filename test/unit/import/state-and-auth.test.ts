/** The importer's resume journal and where its credentials come from (never the command line). */
import { afterAll, describe, expect, test } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuthConfigError, loadAuthConfig } from '../../../scripts/import/auth-config.js';
import { ImportState, StateError } from '../../../scripts/import/state.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ccm-import-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BASE = 'http://127.0.0.1:8080/fhir';

describe('resume journal', () => {
  test('completed files and chunks survive a re-open; a torn last line is ignored; another chunk size starts over', async () => {
    const file = path.join(dir, 'a.state');
    const s = await ImportState.open(file, BASE);
    await s.recordFile('h1', 'one.json', 10);
    await s.recordUnit('h2', 'two.ndjson', 0, 500, 500);
    await s.recordUnit('h2', 'two.ndjson', 1, 500, 500);
    await s.close();
    appendFileSync(file, '{"sha256":"h3","file":"three.json","do'); // a crash in the middle of a write

    const again = await ImportState.open(file, BASE);
    expect([again.fileDone('h1'), again.fileDone('h2'), again.fileDone('h3')]).toEqual([true, false, false]);
    expect([0, 1, 2].map((u) => again.unitDone('h2', u, 500))).toEqual([true, true, false]);
    expect(again.unitDone('h2', 0, 100)).toBe(false);
    await again.close();
  });

  test('a journal of another server is refused', async () => {
    const file = path.join(dir, 'b.state');
    await (await ImportState.open(file, BASE)).close();
    await expect(ImportState.open(file, 'http://127.0.0.1:9999/fhir')).rejects.toThrow(StateError);
    writeFileSync(path.join(dir, 'c.state'), '{"other":1}\n');
    await expect(ImportState.open(path.join(dir, 'c.state'), BASE)).rejects.toThrow(
      /not an import state file/,
    );
  });
});

describe('auth configuration', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const pem = path.join(dir, 'key.pem');
  writeFileSync(pem, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });

  test('environment: a client secret, a private key (ES384 by its curve), a fixed token, or nothing', () => {
    expect(loadAuthConfig(undefined, { FHIR_CLIENT_ID: 'c', FHIR_CLIENT_SECRET: 's' })).toMatchObject({
      kind: 'client',
      clientId: 'c',
      secret: 's',
      scope: 'system/*.cruds',
      source: 'environment',
    });
    const key = loadAuthConfig(undefined, {
      FHIR_CLIENT_ID: 'c',
      FHIR_PRIVATE_KEY_FILE: pem,
      FHIR_KEY_ID: 'k9',
    });
    expect(key).toMatchObject({ kind: 'client', signingKey: { kid: 'k9', alg: 'ES384' } });
    expect(loadAuthConfig(undefined, { FHIR_TOKEN: 't' })).toEqual({ kind: 'static', token: 't' });
    expect(loadAuthConfig(undefined, {})).toEqual({ kind: 'none' });
  });

  test('a config file is the whole configuration; relative paths are read beside it; a JWK file gives its kid', () => {
    writeFileSync(
      path.join(dir, 'key.jwk'),
      JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'jk' }),
    );
    const file = path.join(dir, 'auth.json');
    writeFileSync(file, JSON.stringify({ clientId: 'f', privateKeyFile: 'key.jwk', scope: 'system/*.c' }), {
      mode: 0o600,
    });
    const config = loadAuthConfig(file, { FHIR_CLIENT_ID: 'ignored', FHIR_CLIENT_SECRET: 'ignored' });
    expect(config).toMatchObject({ kind: 'client', clientId: 'f', scope: 'system/*.c', source: file });
    expect(config.kind === 'client' && config.signingKey?.kid).toBe('jk');
    expect(config.kind === 'client' && config.secret).toBeUndefined();
  });

  test('a secret in a file others can read is warned about', () => {
    const secret = path.join(dir, 'secret.txt');
    writeFileSync(secret, 'abc\n', { mode: 0o644 });
    const warnings: string[] = [];
    const config = loadAuthConfig(undefined, { FHIR_CLIENT_ID: 'c', FHIR_CLIENT_SECRET_FILE: secret }, (w) =>
      warnings.push(w),
    );
    expect(config).toMatchObject({ secret: 'abc' });
    expect(warnings).toEqual([
      expect.stringContaining(`${secret} holds a credential and is readable by other users`),
    ]);
  });

  test('ambiguous or incomplete configurations are refused with what to fix', () => {
    const bad = (env: Record<string, string>) => () => loadAuthConfig(undefined, env);
    expect(bad({ FHIR_CLIENT_ID: 'c' })).toThrow(/exactly one of/);
    expect(bad({ FHIR_CLIENT_ID: 'c', FHIR_CLIENT_SECRET: 's', FHIR_PRIVATE_KEY_FILE: pem })).toThrow(
      /exactly one of/,
    );
    expect(bad({ FHIR_CLIENT_SECRET: 's' })).toThrow(/no client id/);
    expect(bad({ FHIR_CLIENT_ID: 'c', FHIR_PRIVATE_KEY_FILE: pem })).toThrow(/needs a kid/);
    expect(
      bad({ FHIR_CLIENT_ID: 'c', FHIR_PRIVATE_KEY_FILE: path.join(dir, 'none.pem'), FHIR_KEY_ID: 'k' }),
    ).toThrow(AuthConfigError);
    const file = path.join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ clientID: 'c', clientSecret: 's' }));
    expect(() => loadAuthConfig(file, {})).toThrow(/unknown keys clientID/);
  });
});
