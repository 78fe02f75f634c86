/**
 * Edges of every response (issue #14 finding 7): `X-Content-Type-Options: nosniff` on /fhir, /auth and /ehr
 * (MIME sniffing of JSON or uploaded content), and logs of failed requests that never carry the query string
 * (search parameters hold identifiers such as a patient's MRN or name).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import pino from 'pino';
import { makeSmartTestApp, mintToken, request, type SmartTestApp } from '../helpers/smart-app.js';

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});

let t: SmartTestApp;
let token: string;
beforeAll(async () => {
  t = await makeSmartTestApp({ logger: pino({ level: 'info' }, sink) });
  token = await mintToken(t.smart, 'user/*.cruds');
});
afterAll(() => t.close());

describe('X-Content-Type-Options: nosniff', () => {
  test.each([
    ['FHIR metadata', '/fhir/metadata'],
    ['FHIR read without a token (401 OperationOutcome)', '/fhir/Patient/demo-patient-1'],
    ['SMART discovery', '/fhir/.well-known/smart-configuration'],
    ['authorize error page', '/auth/authorize?client_id=nobody'],
    ['JWKS', '/auth/jwks'],
    ['/ehr sign-in page', '/ehr'],
  ])('%s', async (_name, path) => {
    const res = await request(t.app).get(path);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test('an authorized FHIR read and the token endpoint', async () => {
    const read = await request(t.app)
      .get('/fhir/Patient/demo-patient-1')
      .set('authorization', `Bearer ${token}`);
    expect(read.status).toBe(200);
    expect(read.headers['x-content-type-options']).toBe('nosniff');
    const tok = await request(t.app).post('/auth/token').type('form').send({ grant_type: 'password' });
    expect(tok.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('logs of a 500 carry no query string', () => {
  test('the error and request log lines name the path, not the search values', async () => {
    const spy = jest.spyOn(t.services.resources, 'find').mockRejectedValue(new Error('storage exploded'));
    lines.length = 0;
    try {
      const res = await request(t.app)
        .get('/fhir/Patient?identifier=MRN-SECRET-4711&name=Okonkwo')
        .set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(500);
    } finally {
      spy.mockRestore();
    }
    const errors = lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.join('\n')).toContain('/fhir/Patient');
    expect(errors.join('\n')).toContain('storage exploded');
    for (const line of lines) {
      expect(line).not.toContain('MRN-SECRET-4711');
      expect(line).not.toContain('Okonkwo');
    }
  });
});
