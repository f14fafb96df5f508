import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { cli, producerSetup, usePrivateRedis } from './helpers.js';

// `conveyor retry` of a job that failed for good (a final failure, never dead-lettered) said
// only "is failed, not dead: only dead-letter jobs can be retried": neither why such a job is
// not retried nor what to do to run its input again.

const redis = usePrivateRedis();
const QUEUE = 'payments';

/** One job of QUEUE, run once and failed for good with `error`; its id. */
async function failForGood(env: ReturnType<typeof producerSetup>, message: string) {
  const envelope = makeEnvelope(QUEUE, { task: 'pay.charge', input: { card: 'x' } });
  await env.transport.enqueue([{ envelope }]);
  const [held] = await env.transport.reserve({
    queues: [QUEUE],
    max: 1,
    leaseMs: 60_000,
    consumer: 'c',
  });
  if (!held) throw new Error('nothing to reserve');
  const error = { name: 'NonRetryableError', code: 'CARD_DECLINED', message };
  await env.transport.settle([
    { type: 'fail', id: envelope.id, token: held.token, deadLetter: false, error },
  ]);
  expect(await env.transport.getJob(envelope.id)).toMatchObject({ state: 'failed' });
  return envelope.id;
}

describe('conveyor retry on a job that failed for good', () => {
  it('says why it is not retried and how to run its input again, exit 7 (CONFLICT)', async () => {
    const env = producerSetup(redis.url);
    try {
      const id = await failForGood(env, 'card declined\n    at charge (pay.ts:1:1)');
      const refused = await cli(['retry', id, ...env.args]);
      expect(refused.code).toBe(7);
      expect(refused.stdout).toBe('');
      const flags = env.args.join(' ');
      expect(refused.stderr).toBe(
        `error: Job "${id}" failed for good (CARD_DECLINED: card declined): its task threw NonRetryableError, or its result was refused (invalid output, not JSON, or over maxResultBytes). Such a final failure is not retried, by design: the same input would fail the same way, so the job never went to the dead-letter set, which is all \`conveyor retry\` takes. To run the same input again, enqueue it anew (from your app, say) with the input \`conveyor inspect ${id} ${flags}\` shows.\n`,
      );
      expect((await cli(['retry', id, '--json', ...env.args])).code).toBe(7);
      expect(await env.transport.getJob(id)).toMatchObject({ state: 'failed' });
    } finally {
      await env.close();
    }
  });

  it('quotes a long error shortened, and a job in another state as before', async () => {
    const env = producerSetup(redis.url);
    try {
      const id = await failForGood(env, `declined: ${'x'.repeat(500)}`);
      const refused = await cli(['retry', id, ...env.args]);
      expect(refused.code).toBe(7);
      const gist = `CARD_DECLINED: declined: ${'x'.repeat(99 - 'CARD_DECLINED: declined: '.length)}…`;
      expect(refused.stderr).toContain(`failed for good (${gist}): `);
      const waiting = makeEnvelope(QUEUE);
      await env.transport.enqueue([{ envelope: waiting }]);
      const other = await cli(['retry', waiting.id, ...env.args]);
      expect(other.code).toBe(7);
      expect(other.stderr).toContain(`is waiting, not dead: only dead-letter jobs can be retried`);
    } finally {
      await env.close();
    }
  });
});
