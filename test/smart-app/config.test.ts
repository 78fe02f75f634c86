/** The clinician app's configuration: validated at start, with the issuers it accepts. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/config.js';
import { loadIssuerClients, parseIssuerClients } from '../../smart-app/issuers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ccm-app-conf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('configuration', () => {
  test('defaults', () => {
    const c = loadConfig({});
    expect([c.smartAppClientsFile, c.smartAppFrameAncestors, c.smartAppSessionMinutes]).toEqual([
      undefined,
      "'self'",
      480,
    ]);
  });

  test('frame ancestors and session minutes are checked', () => {
    expect(
      loadConfig({ SMART_APP_FRAME_ANCESTORS: "'self'  https://ehr.example.org" }).smartAppFrameAncestors,
    ).toBe("'self' https://ehr.example.org");
    expect(() => loadConfig({ SMART_APP_FRAME_ANCESTORS: 'javascript:alert(1)' })).toThrow(ConfigError);
    expect(() => loadConfig({ SMART_APP_SESSION_MINUTES: '1' })).toThrow(/SMART_APP_SESSION_MINUTES/);
  });

  test('a clients file that does not parse stops the start with its name', () => {
    const bad = file('bad.json', '{"issuers": [{"iss": "https://ehr.example.org/fhir"}]}');
    expect(() => loadConfig({ SMART_APP_CLIENTS_FILE: bad })).toThrow(
      /SMART_APP_CLIENTS_FILE: issuers\[0\]\.client_id/,
    );
    expect(() => loadConfig({ SMART_APP_CLIENTS_FILE: path.join(dir, 'missing.json') })).toThrow(
      /no such file/,
    );
  });

  test('the issuers: the file, plus this server with the demo client when demo clients are on', () => {
    const good = file(
      'good.json',
      JSON.stringify({
        issuers: [{ iss: 'https://ehr.example.org/fhir/', client_id: 'ccm', client_secret: 's' }],
      }),
    );
    expect(loadConfig({ SMART_APP_CLIENTS_FILE: good }).smartAppClientsFile).toBe(good);
    const list = loadIssuerClients({ file: good, ownIss: 'http://127.0.0.1:8080/fhir', demoClients: true });
    expect(list.map((c) => [c.iss, c.clientId])).toEqual([
      ['https://ehr.example.org/fhir', 'ccm'],
      ['http://127.0.0.1:8080/fhir', 'ccm-app'],
    ]);
    expect(
      loadIssuerClients({ file: good, ownIss: 'http://127.0.0.1:8080/fhir', demoClients: false }),
    ).toHaveLength(1);
    expect(() =>
      parseIssuerClients(
        '{"issuers":[{"iss":"https://x/fhir","client_id":"a","private_jwk":{"kid":"k","alg":"HS256"}}]}',
      ),
    ).toThrow(/RS384 or ES384/);
  });
});
