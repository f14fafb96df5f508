import { memoryTransport } from '@conveyor/core';
import { afterEach, describe, expect, test } from 'vitest';
import { createAuthThrottle, TooManyAttemptsError } from '../src/auth-throttle.js';
import { createDashboard } from '../src/index.js';
import { basic, type Served, serve } from './helpers.js';

describe('createAuthThrottle (a fixed window per address, on an injected clock)', () => {
  function setup() {
    let now = 1_000_000;
    const throttle = createAuthThrottle({ maxFailures: 3, windowMs: 60_000 }, () => now);
    return { throttle, advance: (ms: number) => (now += ms) };
  }

  test('refuses an address after maxFailures within the window, with the wait, until it ends', () => {
    const { throttle, advance } = setup();
    for (let i = 0; i < 3; i++) {
      throttle.check('10.0.0.1');
      throttle.failed('10.0.0.1');
    }
    advance(20_000);
    let thrown: unknown;
    try {
      throttle.check('10.0.0.1');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TooManyAttemptsError);
    expect(thrown).toMatchObject({ code: 'TOO_MANY_REQUESTS', status: 429, retryAfterSeconds: 40 });
    // Another address is not refused.
    expect(() => throttle.check('10.0.0.2')).not.toThrow();
    advance(40_000);
    expect(() => throttle.check('10.0.0.1')).not.toThrow();
  });

  test('right credentials start the count over; no address is never counted', () => {
    const { throttle } = setup();
    throttle.failed('10.0.0.1');
    throttle.failed('10.0.0.1');
    throttle.succeeded('10.0.0.1');
    throttle.failed('10.0.0.1');
    throttle.failed('10.0.0.1');
    expect(() => throttle.check('10.0.0.1')).not.toThrow();
    for (let i = 0; i < 10; i++) throttle.failed(undefined);
    expect(() => throttle.check(undefined)).not.toThrow();
  });
});

describe('authThrottle over node:http', () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  test('after maxFailures wrong passwords an address gets 429 with Retry-After, right ones too', async () => {
    served = await serve({ authThrottle: { maxFailures: 3, windowMs: 60_000 } });
    const url = `${served.url}/api/queues`;
    // Right credentials under the limit: answered at once.
    expect((await fetch(url, { headers: { authorization: basic() } })).status).toBe(200);
    // No credentials at all (a browser's first request) is not a failure.
    for (let i = 0; i < 5; i++) expect((await fetch(url)).status).toBe(401);
    for (let i = 0; i < 3; i++) {
      const wrong = await fetch(url, { headers: { authorization: basic('ops', `guess-${i}`) } });
      expect(wrong.status).toBe(401);
    }
    for (const authorization of [basic('ops', 'guess-4'), basic()]) {
      const refused = await fetch(url, { headers: { authorization } });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await refused.json()).error.code).toBe('TOO_MANY_REQUESTS');
    }
  });

  test('authThrottle: false sets no limit; a bad value is INVALID_OPTION', async () => {
    served = await serve({ authThrottle: false });
    const url = `${served.url}/api/queues`;
    for (let i = 0; i < 15; i++) {
      const wrong = await fetch(url, { headers: { authorization: basic('ops', `guess-${i}`) } });
      expect(wrong.status).toBe(401);
    }
    expect((await fetch(url, { headers: { authorization: basic() } })).status).toBe(200);
    expect(() =>
      createDashboard({
        transport: memoryTransport(),
        auth: { username: 'ops', password: 'pw' },
        authThrottle: { maxFailures: 0 },
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});
