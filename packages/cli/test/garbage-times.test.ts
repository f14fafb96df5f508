import type { JobRecord } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { describeJob } from '../src/commands/inspect.js';
import { formatTime, UNREADABLE_TIME } from '../src/output.js';
import { cli, producerSetup, usePrivateRedis } from './helpers.js';

// A tester wrote a packed job whose maxAttempts and enqueuedAt are not numbers: `conveyor
// jobs <queue>` and `conveyor inspect` printed "error: Invalid time value" and exited 1 for
// the whole queue. A time that is no instant reads as unreadable; the job is a row that says
// why (docs/job-envelope.md).

const redis = usePrivateRedis();
const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);

describe('a time that is no instant', () => {
  it('formats as unreadable, never throwing', () => {
    for (const at of [Number.NaN, Number.POSITIVE_INFINITY, -Number.MAX_VALUE, 1e20]) {
      expect(formatTime(at, NOW)).toBe(UNREADABLE_TIME);
    }
    expect(formatTime(undefined, NOW)).toBe('-');
    expect(formatTime(NOW - 3_200, NOW)).toBe('2026-12-05T11:59:56.800Z (3.2s ago)');
  });

  it('is an unreadable row of `inspect`, whatever time of the record it is', () => {
    const envelope = makeEnvelope('emails', { task: 'mail.send', expiresAt: Number.NaN });
    const record: JobRecord = {
      id: envelope.id,
      envelope,
      state: 'active',
      attempts: 1,
      enqueuedAt: Number.NaN,
      dueAt: Number.NaN,
      startedAt: Number.NaN,
      finishedAt: 1e20,
      leaseExpiresAt: Number.POSITIVE_INFINITY,
      consumer: 'w1',
      history: [
        { attempt: 1, startedAt: 0, endedAt: Number.NaN, error: { name: 'E', message: 'x' } },
      ],
    };
    const lines = describeJob(record, NOW);
    expect(lines).toContain('Enqueued  unreadable');
    expect(lines).toContain('Started   unreadable');
    expect(lines).toContain('Lease     expires unreadable');
  });
});

describe('a packed job whose numbers are not numbers', () => {
  it('is a row of `conveyor jobs` and a job `inspect` shows, with why as its error', async () => {
    const env = producerSetup(redis.url);
    try {
      const unique = 'AAAAAAAbadnums99';
      await redis.raw.hset(`${env.prefix}:{q1}:j:`, unique, '15|abc|xyz|0|t.echo {"n":1}');
      await redis.raw.rpush(`${env.prefix}:{q1}:w5`, unique);
      const listed = await cli(['jobs', 'q1', ...env.args]);
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      const row = listed.stdout.split('\n').find((line) => line.startsWith(`q1:${unique}`));
      expect(row).toMatch(/^q1:AAAAAAAbadnums99 +\(unreadable\) +0 +0 +-$/);
      expect(listed.stdout).toContain('1 job shown as (unreadable) could not be read');
      const inspected = await cli(['inspect', `q1:${unique}`, ...env.args]);
      expect(inspected.stderr).toBe('');
      expect(inspected.code).toBe(0);
      expect(inspected.stdout).toContain('Task      (unreadable: see Error)');
      expect(inspected.stdout).toMatch(
        /^Error {5}INVALID_ENVELOPE: .*malformed maxAttempts "abc"/m,
      );
    } finally {
      await env.close();
    }
  });
});
