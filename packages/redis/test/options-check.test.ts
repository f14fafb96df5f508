import { silentLogger } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { type RedisTransportOptions, redisTransport } from '../src/index.js';

// Refused when the transport is made, before any connection: each of these used to be
// taken, and then lost results (a TTL of -1), split a cluster's keys (a brace in the
// prefix) or failed seconds later as a connection error (an http:// URL).
const make = (options: Record<string, unknown>) => () =>
  redisTransport({
    url: 'redis://127.0.0.1:1',
    logger: silentLogger,
    checkMaxmemoryPolicy: false,
    ...options,
  } as RedisTransportOptions);

describe('redisTransport options', () => {
  it.each([
    [
      { defaultResultTtlMs: -1 },
      /^Invalid defaultResultTtlMs -1: expected a whole number of milliseconds, more than 0\.$/,
    ],
    [{ defaultResultTtlMs: 0 }, /^Invalid defaultResultTtlMs 0/],
    [{ defaultResultTtlMs: Number.NaN }, /^Invalid defaultResultTtlMs NaN/],
    [{ defaultDedupeWindowMs: 1.5 }, /^Invalid defaultDedupeWindowMs 1\.5/],
    [
      { maxFinishedPerQueue: -1 },
      /^Invalid maxFinishedPerQueue -1: expected a whole number, 0 or more/,
    ],
    [{ maxFinishedPerQueue: 1.5 }, /^Invalid maxFinishedPerQueue 1\.5/],
    [
      { packLeasedFrom: 0 },
      /^Invalid packLeasedFrom 0: expected a whole number of jobs, 1 or more/,
    ],
    [{ packLeasedFrom: '8' }, /^Invalid packLeasedFrom "8"/],
    [{ prefix: '' }, /^Invalid prefix "": expected a non-empty string without braces/],
    [{ prefix: 'a{b}' }, /^Invalid prefix "a\{b\}"/],
    [{ prefix: 5 }, /^Invalid prefix 5/],
    [
      { url: 'http://127.0.0.1:6379' },
      /^Invalid url "http:\/\/127\.0\.0\.1:6379": expected redis:\/\//,
    ],
    [{ url: 'not a url' }, /^Invalid url "not a url"/],
    [
      { url: 'redis://:s3cret@host/0', client: {} },
      /^Invalid url "\(with client\)": expected either url or client/,
    ],
  ])('refuses %j with INVALID_OPTION', (options, message) => {
    expect(make(options)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(message) }),
    );
  });

  // A misspelt key was ignored: `urll` connected to 127.0.0.1:6379, `prefx` wrote under
  // `conveyor`.
  it.each([
    [
      { urll: 'redis://127.0.0.1:6380' },
      /^Invalid redisTransport option "urll": expected one of url, redis, client, prefix, .*packWaitingJobs, packLeasedFrom \(did you mean "url"\?\)\.$/,
    ],
    [{ prefx: 'shop' }, /^Invalid redisTransport option "prefx": .*\(did you mean "prefix"\?\)/],
    [{ PackWaitingJobs: false }, /\(did you mean "packWaitingJobs"\?\)/],
  ])(
    'refuses the misspelt key of %j with INVALID_OPTION, naming the one meant',
    (options, message) => {
      expect(make(options)).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTION',
          message: expect.stringMatching(message),
        }),
      );
    },
  );

  it('takes an unknown key set to undefined, as if left out, but not with a value', async () => {
    const transport = make({ prefx: undefined })();
    expect(transport.name).toBe('redis');
    await transport.close();
    expect(make({ prefx: 'shop' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('masks the password of a refused URL', () => {
    expect(make({ url: 'http://user:s3cret@host:6379' })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('"http://user:****@host:6379"') }),
    );
  });

  it('takes the documented values: 0 finished kept (TTL alone), a prefix with a colon', async () => {
    const transport = make({ maxFinishedPerQueue: 0, prefix: 'shop:eu', defaultResultTtlMs: 1 })();
    expect(transport.name).toBe('redis');
    await transport.close();
  });
});
