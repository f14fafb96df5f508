import type { Reservation } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { decodeRecord, parseDelivery, parseFixed } from '../src/wire/job-hash.js';
import {
  type BrokenDelivery,
  readReserveReply,
  renewStatusAt,
  settleStatusAt,
  storedToken,
} from '../src/wire/script-calls.js';

// The wire module without Redis: what the scripts reply is decoded as documented in the
// README's tables. The round trips through Redis are in the other files.

describe('the packed fields', () => {
  it('unpacks d, the task being the rest', () => {
    expect(parseFixed('15|3|1764000000000|2|shop.a|b')).toEqual({
      version: '1',
      priority: 5,
      maxAttempts: 3,
      enqueuedAt: 1_764_000_000_000,
      offset: 2,
      task: 'shop.a|b',
    });
    // Stored without a version (0.1.0): read as version 1.
    expect(parseFixed('5|3|1764000000000|2|t')).toMatchObject({ version: '1', priority: 5 });
    expect(parseFixed('125|3|1764000000000|2|t')).toMatchObject({ version: '12', priority: 5 });
    expect(parseFixed('5|3|17')).toBeUndefined();
    expect(parseFixed(undefined)).toBeUndefined();
  });

  it('unpacks b, the consumer being the rest', () => {
    expect(parseDelivery('100|200|tok.0.|host:1|a')).toEqual({
      startedAt: 100,
      leaseExpiresAt: 200,
      consumer: 'host:1|a',
    });
    expect(parseDelivery('100|200')).toBeUndefined();
  });

  it('reads a job hash into a record', () => {
    const flat = ['s', 'a', 'd', '7|2|1000|10|t', 'i', '{"n":1}', 'n', '1', 'b', '900|1900|k|c'];
    expect(decodeRecord('q:1', 'q', flat)).toEqual({
      id: 'q:1',
      state: 'active',
      envelope: {
        v: 1,
        id: 'q:1',
        task: 't',
        queue: 'q',
        input: { n: 1 },
        attempt: 0,
        maxAttempts: 2,
        priority: 7,
        enqueuedAt: 990,
      },
      attempts: 1,
      enqueuedAt: 1000,
      startedAt: 900,
      leaseExpiresAt: 1900,
      consumer: 'c',
    });
  });
});

describe('script replies', () => {
  it('reads a reserve reply, and sets aside a job that does not decode', () => {
    const reservations: Reservation[] = [];
    const broken: BrokenDelivery[] = [];
    const reply = [
      1000,
      -1,
      11_000,
      'u1 5|3|990|0|t {"a":1}',
      1,
      'u2 5|3|990|0|t not json',
      2,
      'u3 5|3|990|0|t "x"',
      [1, '["k",null]', '5000'],
    ];
    expect(readReserveReply(reply, 'q', 'tok.0.', reservations, broken)).toEqual({
      now: 1000,
      nextWake: -1,
      leased: 3,
    });
    expect(reservations.map(({ envelope, token }) => [envelope.id, token])).toEqual([
      ['q:u1', 'tok.0.u1'],
      ['q:u3', 'tok.0.u3'],
    ]);
    expect(reservations[1]?.envelope).toMatchObject({ idempotencyKey: 'k', expiresAt: 5000 });
    expect(broken).toEqual([
      {
        id: 'q:u2',
        token: 'tok.0.u2',
        error: expect.objectContaining({ code: 'INVALID_ENVELOPE' }),
      },
    ]);
    // The token Redis keeps is the call's; a token of another job names no delivery.
    expect(storedToken('tok.0.u1', 'u1')).toBe('tok.0.');
    expect(storedToken('tok.0.u1', 'u2')).toBe('!');
  });

  it('reads renew and settle statuses by position', () => {
    const renew = [1000, 2000, 1, 0, 2];
    expect([0, 1, 2].map((position) => renewStatusAt(renew, position))).toEqual([
      'held',
      'lost',
      'cancel-requested',
    ]);
    expect([0, 1].map((position) => settleStatusAt('10', position))).toEqual(['ok', 'stale']);
  });
});
