/**
 * Password hashing of every sign-in (/auth, /ehr, /dashboard) runs off the event loop and is bounded (issue
 * #14 finding 5, acceptance 3, proved by structure; the timing is bench/signin-flood.ts): verification is
 * async scrypt on the libuv threadpool, at most HASH_CONCURRENCY hashes run at once so that storage I/O keeps
 * threads, a long queue is refused, and an unknown user name costs the same hash as a known one.
 */
import { describe, expect, test } from '@jest/globals';
import { HASH_CONCURRENCY, HASH_QUEUE, HashQueueFull } from '../../server/auth/hash-gate.js';
import { hashPassword, PracticeUserStore, verifyPassword } from '../../server/auth/practice-users.js';

const USER = { username: 'nurse', displayName: 'Nurse', roles: ['practitioner'] };

/** Resolves after one turn of the event loop (the check phase). */
const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('password verification does not block the event loop', () => {
  test('verifyPassword returns a promise, and callbacks scheduled after 40 verifications run before any settles', async () => {
    const stored = hashPassword('the right one');
    const events: string[] = [];
    const runs = Array.from({ length: 40 }, (_, i) => {
      const pending: unknown = verifyPassword(`wrong ${i}`, stored);
      expect(pending).toBeInstanceOf(Promise);
      return Promise.resolve(pending).then((ok) => {
        events.push('verified');
        return ok;
      });
    });
    setTimeout(() => events.push('timer'), 0);
    await immediate();
    events.push('immediate');
    let turns = 0;
    while (events.filter((e) => e === 'verified').length < 40) {
      await immediate();
      turns += 1;
    }
    expect(await Promise.all(runs)).toEqual(Array(40).fill(false));
    // Nothing was verified while the loop took its first turns: the hashing ran elsewhere.
    expect(events.slice(0, 2).sort()).toEqual(['immediate', 'timer']);
    expect(turns).toBeGreaterThan(1);
    expect(await verifyPassword('the right one', stored)).toBe(true);
  });

  test(`at most ${HASH_CONCURRENCY} hashes run at once; past ${HASH_QUEUE} waiting, sign-ins are refused as busy`, async () => {
    const users = new PracticeUserStore([{ ...USER, passwordHash: hashPassword('pw') }]);
    const settled: Array<'user' | 'null' | 'busy'> = [];
    const runs = Array.from({ length: 40 }, (_, i) =>
      users.authenticate(i % 2 ? 'nurse' : `unknown-${i}`, 'wrong').then(
        (u) => settled.push(u ? 'user' : 'null'),
        (err: unknown) => settled.push(err instanceof HashQueueFull ? 'busy' : 'null'),
      ),
    );
    await immediate();
    expect(users.hashing.active).toBe(HASH_CONCURRENCY);
    expect(users.hashing.waiting).toBe(HASH_QUEUE);
    expect(settled.filter((s) => s === 'busy')).toHaveLength(40 - HASH_CONCURRENCY - HASH_QUEUE);
    while (users.hashing.active > 0) {
      expect(users.hashing.active).toBeLessThanOrEqual(HASH_CONCURRENCY);
      await immediate();
    }
    await Promise.all(runs);
    expect(users.hashing.peak).toBe(HASH_CONCURRENCY);
    expect(settled.filter((s) => s === 'null')).toHaveLength(HASH_CONCURRENCY + HASH_QUEUE);
    expect(users.hashing.waiting).toBe(0);
  });

  test('an unknown user name costs one hash, as a known one does, and the right password still signs in', async () => {
    const users = new PracticeUserStore([{ ...USER, passwordHash: hashPassword('pw') }]);
    expect(await users.authenticate('nobody', 'pw')).toBeNull();
    expect(users.hashing.done).toBe(1);
    expect(await users.authenticate('nurse', 'nope')).toBeNull();
    expect(users.hashing.done).toBe(2);
    expect((await users.authenticate('NURSE', 'pw'))?.username).toBe('nurse');
    expect(users.hashing.done).toBe(3);
  });
});
