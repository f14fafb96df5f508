// The ERROR column of `conveyor dead` and `conveyor jobs`: one line of the error, cut to 100
// characters, each cut marked as `inspect` marks its cuts (the README's promise).
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { buryNext, cli, producerSetup, usePrivateRedis } from './helpers.js';

const redis = usePrivateRedis();
const QUEUE = 'emails';

describe('the ERROR column of `dead`', () => {
  it('marks a cut message, and lines left out, as inspect does', async () => {
    const env = producerSetup(redis.url);
    try {
      await env.transport.enqueue([
        { envelope: makeEnvelope(QUEUE) },
        { envelope: makeEnvelope(QUEUE) },
      ]);
      const long = `Task "app.greet" is not registered. Register the task with the worker or ${'x'.repeat(200)}`;
      await buryNext(env.transport, QUEUE, { name: 'Error', message: long, code: 'UNKNOWN_TASK' });
      await buryNext(env.transport, QUEUE, {
        name: 'Error',
        message: 'first\nsecond\nthird',
        code: 'LINES',
      });
      for (const argv of [
        ['dead', QUEUE],
        ['jobs', QUEUE, '--state', 'dead'],
      ]) {
        const listed = await cli([...argv, ...env.args]);
        expect(listed.code).toBe(0);
        const lines = listed.stdout.split('\n');
        const cut = lines.find((line) => line.includes('UNKNOWN_TASK'));
        expect(cut).toMatch(
          /UNKNOWN_TASK: Task "app\.greet" is not registered\. Register the task with the worker or x+… \(173 more characters; use --json for all of it\)$/,
        );
        const multi = lines.find((line) => line.includes('LINES'));
        expect(multi).toMatch(/LINES: first… \(2 more lines; use --json for all of it\)$/);
      }
    } finally {
      await env.close();
    }
  });
});
