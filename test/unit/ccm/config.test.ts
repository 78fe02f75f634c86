/** The CCM settings of the configuration: PRACTICE_TIMEZONE (IANA, validated), SESSION_SECRET, CHRONIC_INDICATOR_CSV. */
import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../server/config.js';
import { ROOT } from '../../helpers/server-process.js';

describe('CCM configuration', () => {
  test('defaults: America/New_York, no session secret, no AHRQ file', () => {
    const c = loadConfig({});
    expect(c.practiceTimezone).toBe('America/New_York');
    expect(c.sessionSecret).toBeUndefined();
    expect(c.chronicIndicatorCsv).toBeUndefined();
  });

  test('a valid IANA zone, a long secret and an existing CSV are taken', () => {
    const csv = path.join(ROOT, 'fixtures', 'ccm', 'ccir-sample.csv');
    const c = loadConfig({
      PRACTICE_TIMEZONE: 'America/Denver',
      SESSION_SECRET: 's'.repeat(40),
      CHRONIC_INDICATOR_CSV: csv,
    });
    expect([c.practiceTimezone, c.sessionSecret, c.chronicIndicatorCsv]).toEqual([
      'America/Denver',
      's'.repeat(40),
      csv,
    ]);
  });

  test('bad values stop the start with a message naming each variable', () => {
    try {
      loadConfig({
        PRACTICE_TIMEZONE: 'Eastern Time',
        SESSION_SECRET: 'short',
        CHRONIC_INDICATOR_CSV: '/nonexistent/ccir.csv',
      });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('PRACTICE_TIMEZONE=Eastern Time');
      expect(problems).toContain('SESSION_SECRET');
      expect(problems).toContain('CHRONIC_INDICATOR_CSV');
    }
  });
});
