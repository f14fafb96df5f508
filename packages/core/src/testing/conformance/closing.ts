import { describe, expect, it } from 'vitest';
import type { Transport } from '../../transport.js';
import { complete, leaseOf, type SuiteContext, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/**
 * Every operation of `transport`, its admin's and its limits' (those it has), each a call
 * with valid arguments about a job of `queue` and the lease `lease`.
 */
function everyOperation(
  ctx: SuiteContext,
  transport: Transport,
  queue: string,
  lease: { id: string; token: string },
): Array<[string, () => Promise<unknown>]> {
  const { id } = lease;
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['enqueue', () => transport.enqueue([{ envelope: makeEnvelope(queue) }])],
    ['enqueue of nothing', () => transport.enqueue([])],
    ['reserve', () => ctx.reserve(transport, queue)],
    ['reserve that would wait', () => ctx.reserve(transport, queue, { waitUnits: 10 })],
    ['renew', () => transport.renew([lease], ctx.ms(10))],
    ['renew of nothing', () => transport.renew([], ctx.ms(10))],
    ['settle', () => transport.settle([{ type: 'release', ...lease }])],
    ['getJob', () => transport.getJob(id)],
    ['getJob of an id that names no queue', () => transport.getJob('no-queue')],
    ['waitFor', () => transport.waitFor(id, { timeoutMs: ctx.ms(10) })],
    ['waitFor that cannot wait', () => transport.waitFor(id, { timeoutMs: 0 })],
    ['cancel', () => transport.cancel(id)],
  ];
  const { admin, limits } = transport;
  if (admin) {
    calls.push(
      ['admin.listQueues', () => admin.listQueues()],
      ['admin.queueCounts', () => admin.queueCounts([queue])],
      ['admin.purgeQueue', () => admin.purgeQueue(queue)],
      ['admin.listDead', () => admin.listDead(queue)],
      ['admin.retryDead', () => admin.retryDead(queue, [id])],
      ['admin.retryDead of all', () => admin.retryDead(queue)],
      ['admin.purgeDead', () => admin.purgeDead(queue, [id])],
      ['admin.promoteDelayed', () => admin.promoteDelayed(queue, [id])],
      ['admin.listWorkers', () => admin.listWorkers()],
    );
  }
  if (limits) {
    calls.push(
      ['limits.takeRate', () => limits.takeRate(queue, 1, 1_000)],
      ['limits.acquireSlot', () => limits.acquireSlot(queue, 1, 'holder', 1_000)],
      ['limits.freeSlots', () => limits.freeSlots([{ key: queue, holder: 'holder' }])],
    );
  }
  return calls;
}

/** R25: what closing means. */
export function closingRules(harness: ConformanceHarness): void {
  describe('closing', () => {
    const ctx = useSuiteContext(harness);

    it('[R25] after close, every operation rejects with TRANSPORT_CLOSED and onCancel throws it', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('closed');
      await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue);
      await transport.close();
      for (const [name, call] of everyOperation(ctx, transport, queue, leaseOf(reservation))) {
        const error = await call().then(
          () => new Error(`${name} resolved after close`),
          (rejected: unknown) => rejected,
        );
        expect(error, name).toMatchObject({ code: 'TRANSPORT_CLOSED' });
      }
      expect(() => transport.onCancel(() => {})).toThrow(
        expect.objectContaining({ code: 'TRANSPORT_CLOSED' }),
      );
    });

    it('[R25] close is idempotent, and calls made while it runs are refused too', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('closing');
      const [job] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue);
      const closing = transport.close();
      await expect(transport.getJob(job?.id as string)).rejects.toMatchObject({
        code: 'TRANSPORT_CLOSED',
      });
      await expect(transport.settle([complete(reservation)])).rejects.toMatchObject({
        code: 'TRANSPORT_CLOSED',
      });
      await closing;
      await transport.close();
      await expect(transport.close()).resolves.toBeUndefined();
    });
  });
}
