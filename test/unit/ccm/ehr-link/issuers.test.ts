import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../../server/config.js';
import { parseEhrIssuers, trustedIssuer } from '../../../../server/ccm/ehr-link/issuers.js';

const GOOD = {
  name: 'clinic',
  iss: 'https://ehr.example.org/fhir/',
  jwks_uri: 'https://ehr.example.org/jwks',
  id_token_audience: 'ccm-app',
};
const PRIVATE = { kty: 'EC', crv: 'P-384', x: 'x', y: 'y', d: 'd', kid: 'k1', alg: 'ES384' };

function problem(entry: Record<string, unknown>): string {
  try {
    parseEhrIssuers(JSON.stringify({ ehrs: [entry] }));
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}

describe('EHR_ISSUERS_FILE', () => {
  it('parses an issuer, normalising the iss', () => {
    const [e] = parseEhrIssuers(JSON.stringify({ ehrs: [{ ...GOOD, write_back: true }] }));
    expect(e).toMatchObject({ name: 'clinic', iss: 'https://ehr.example.org/fhir', writeBack: true });
    expect(trustedIssuer([e!], 'https://ehr.example.org/fhir')).toBe(e);
    expect(trustedIssuer([e!], 'https://ehr.example.org/fhir2')).toBeUndefined();
  });

  it('names the field of every problem', () => {
    expect(problem({ ...GOOD, name: 'a b' })).toMatch(/ehrs\[0\]\.name/);
    expect(problem({ ...GOOD, iss: 'http://ehr.example.org/fhir' })).toMatch(/ehrs\[0\]\.iss must be https/);
    expect(problem({ ...GOOD, iss: 'https://ehr.example.org/fhir?x=1' })).toMatch(/ehrs\[0\]\.iss/);
    expect(problem({ ...GOOD, jwks: { keys: [{ kty: 'RSA' }] } })).toMatch(
      /exactly one of jwks_uri and jwks/,
    );
    expect(problem({ ...GOOD, jwks_uri: undefined, jwks: { keys: [] } })).toMatch(/ehrs\[0\]\.jwks/);
    expect(problem({ ...GOOD, jwks_uri: undefined, jwks: { keys: [PRIVATE] } })).toMatch(/private key/);
    expect(problem({ ...GOOD, id_token_audience: '' })).toMatch(/id_token_audience/);
    expect(problem({ ...GOOD, write_back: 'yes' })).toMatch(/write_back/);
    expect(problem({ ...GOOD, backend: { client_id: 'b' } })).toMatch(/backend needs private_jwk/);
    expect(
      problem({ ...GOOD, backend: { client_id: 'b', private_jwk: { ...PRIVATE, alg: 'HS256' } } }),
    ).toMatch(/backend\.private_jwk/);
    expect(problem({ ...GOOD, backend: { client_id: 'b', private_jwk_file: '/no/such/file' } })).toMatch(
      /private_jwk_file/,
    );
    expect(problem({ ...GOOD, backend: { client_id: 'b', private_jwk: PRIVATE, group_id: 'a/b' } })).toMatch(
      /group_id/,
    );
    expect(
      problem({ ...GOOD, iss: 'http://127.0.0.1:8081/fhir', jwks_uri: 'http://127.0.0.1:8081/auth/jwks' }),
    ).toBe('accepted');
    expect(() => parseEhrIssuers(JSON.stringify({ ehrs: [GOOD, { ...GOOD, name: 'other' }] }))).toThrow(
      /listed twice/,
    );
    expect(() => parseEhrIssuers('{')).toThrow(/EHR_ISSUERS_FILE: not valid JSON/);
  });

  it('stops the server start with the problem', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ehr-issuers-'));
    const file = path.join(dir, 'ehrs.json');
    writeFileSync(file, JSON.stringify({ ehrs: [{ ...GOOD, id_token_audience: 3 }] }));
    let err: unknown;
    try {
      loadConfig({ EHR_ISSUERS_FILE: file, DATA_DIR: dir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      "EHR_ISSUERS_FILE: ehrs[0].id_token_audience is required (the app's client_id at this EHR)",
    ]);
    writeFileSync(file, JSON.stringify({ ehrs: [GOOD] }));
    expect(loadConfig({ EHR_ISSUERS_FILE: file, DATA_DIR: dir }).ehrIssuersFile).toBe(file);
  });
});
