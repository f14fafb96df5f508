import type { JobRecord } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { describeJob } from '../src/commands/inspect.js';
import { cli, json, producerSetup, usePrivateRedis } from './helpers.js';

// A tester stored a waiting job whose `d` field names no task: `conveyor inspect` printed
// "Task (unreadable: see Error)" with no Error row below it, and --json had no error either.
// Whatever inspect points at is there.

const redis = usePrivateRedis();
const UNIQUE = 'AAAAAAAemptytask';

describe('a job stored with no task', () => {
  it('is shown by `inspect` with an Error row that says why, and --json has the error', async () => {
    const env = producerSetup(redis.url);
    try {
      await redis.raw.hset(`${env.prefix}:{q1}:j:`, UNIQUE, '15|3|1796537612280|0| {"n":1}');
      await redis.raw.rpush(`${env.prefix}:{q1}:w5`, UNIQUE);
      const id = `q1:${UNIQUE}`;
      const shown = await cli(['inspect', id, ...env.args]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('Task      (unreadable: see Error)');
      expect(shown.stdout).toMatch(
        /^Error {5}INVALID_ENVELOPE: Job "q1:AAAAAAAemptytask" has no task in its `d` field "15\|3\|1796537612280\|0\|"/m,
      );
      const record = json<JobRecord>(await cli(['inspect', id, '--json', ...env.args]));
      expect(record.error).toMatchObject({
        code: 'INVALID_ENVELOPE',
        message: expect.stringContaining('has no task'),
      });
      const listed = await cli(['jobs', 'q1', ...env.args]);
      expect(listed.stdout).toContain('1 job shown as (unreadable) could not be read');
      const page = json<{ jobs: JobRecord[] }>(await cli(['jobs', 'q1', '--json', ...env.args]));
      expect(page.jobs[0]?.error?.code).toBe('INVALID_ENVELOPE');
    } finally {
      await env.close();
    }
  });

  it('is not pointed at an Error row when its record has no error to show', () => {
    // A transport that lists a job with no task and no error: "see Error" sent nowhere.
    const envelope = makeEnvelope('q1', { task: '' });
    const record: JobRecord = {
      id: envelope.id,
      envelope,
      state: 'waiting',
      attempts: 0,
      enqueuedAt: 1,
    };
    const lines = describeJob(record, 2);
    expect(lines.find((line) => line.startsWith('Task'))).toBe(
      'Task      (none: no worker can run it, and its transport stored no reason)',
    );
    expect(lines.some((line) => line.includes('see Error'))).toBe(false);
  });
});
