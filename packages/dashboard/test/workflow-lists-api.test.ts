import { memoryTransport } from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { describe, expect, test } from 'vitest';
import { login, serve } from './helpers.js';
import { failure, startOrder } from './workflow-fixtures.js';

// GET /api/workflows?status=: a failed compensation on a failed run's entry, cut as its
// failure's error is; and `next` only when more are kept after the page (core's lists).

describe('GET /api/workflows?status= (failed compensations, pages)', () => {
  test('a failed run whose compensation failed too carries it: name, code and message only', async () => {
    const own = await serve({ transport: memoryTransport() });
    try {
      const viewer = await login(own);
      const run = await startOrder(own.transport);
      await run.settle({ step: 'reserve' }, failure('out of stock', 'NO_STOCK'));
      // The undo fails, with a stack and issues the list does not send.
      await run.settle(
        { step: 'reject' },
        {
          ok: false,
          error: {
            name: 'RefundError',
            message: '<img src=x onerror=alert(1)> refund API down',
            code: 'HTTP_502',
            stack: 'RefundError: refund API down\n    at refund.ts:9',
            issues: [{ message: 'secret issue', path: ['token'] }],
          },
        },
      );
      const plain = await startOrder(own.transport);
      await plain.settle({ step: 'reserve' }, { ok: true, result: {} });
      await plain.settle({ step: 'ship' }, failure('warehouse down'));

      const body = await (await viewer.get('/api/workflows?status=failed')).json();
      const entry = body.workflows.find((w: { id: string }) => w.id === run.id);
      expect(entry.failure).toEqual({
        step: 'reserve',
        error: { name: 'Error', message: 'out of stock', code: 'NO_STOCK' },
      });
      expect(entry.compensation).toEqual({
        step: 'reject',
        error: {
          name: 'RefundError',
          message: '<img src=x onerror=alert(1)> refund API down',
          code: 'HTTP_502',
        },
      });
      const other = body.workflows.find((w: { id: string }) => w.id === plain.id);
      expect(other).not.toHaveProperty('compensation');
      expect(JSON.stringify(body)).not.toContain('secret issue');
      expect(JSON.stringify(body)).not.toContain('refund.ts');
    } finally {
      await own.close();
    }
  });

  test('exactly a page of ended runs has no next; one more has, and the page after holds it', async () => {
    const clock = createManualClock();
    const own = await serve({ transport: memoryTransport({ clock }) });
    try {
      const viewer = await login(own);
      const ids: string[] = [];
      for (let n = 0; n < 50; n++) {
        const run = await startOrder(own.transport);
        await run.workflows.cancel(run.id);
        ids.unshift(run.id);
        await clock.advance(1);
      }
      const list = async (query = '') =>
        (await viewer.get(`/api/workflows?status=cancelled${query}`)).json();
      const exact = await list();
      expect(exact.workflows).toHaveLength(50);
      expect(exact.next).toBeUndefined();
      expect((await list('&limit=50')).next).toBeUndefined();

      const last = await startOrder(own.transport);
      await last.workflows.cancel(last.id);
      const first = await list();
      expect(first.workflows).toHaveLength(50);
      expect(first.next).toBeDefined();
      const second = await list(`&cursor=${encodeURIComponent(first.next)}`);
      expect(second.workflows.map((w: { id: string }) => w.id)).toEqual([ids[49]]);
      expect(second.next).toBeUndefined();

      // The running list alike.
      for (let n = 0; n < 49; n++) await startOrder(own.transport);
      const running = await (await viewer.get('/api/workflows')).json();
      expect(running.workflows).toHaveLength(49);
      await startOrder(own.transport);
      const full = await (await viewer.get('/api/workflows')).json();
      expect(full.workflows).toHaveLength(50);
      expect(full.next).toBeUndefined();
    } finally {
      await own.close();
    }
  });
});
