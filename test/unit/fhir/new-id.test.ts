import { describe, expect, it } from '@jest/globals';
import { newResourceId } from '../../../server/fhir/new-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newResourceId', () => {
  it('is a lower-case version 7 UUID, a valid FHIR id', () => {
    const id = newResourceId();
    expect(id).toMatch(UUID_V7);
    expect(id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
  });

  it('carries the time in milliseconds in its first 48 bits', () => {
    const at = Date.UTC(2026, 11, 7, 23, 30, 0, 123);
    const id = newResourceId(at);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts ids of later milliseconds after earlier ones (in string order)', () => {
    const t = Date.UTC(2026, 0, 1);
    const ids = [0, 1, 2, 255, 256, 65_535, 65_536, 86_400_000].map((d) => newResourceId(t + d));
    expect([...ids].sort()).toEqual(ids);
  });

  it('differs between calls in the same millisecond', () => {
    const t = Date.now();
    const ids = new Set(Array.from({ length: 2000 }, () => newResourceId(t)));
    expect(ids.size).toBe(2000);
  });
});
