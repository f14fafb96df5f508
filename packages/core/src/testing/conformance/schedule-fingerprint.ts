import { describe, expect, it } from 'vitest';
import type { ScheduleSpec, ScheduleState } from '../../transport-schedules.js';
import { capabilityOf, useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';
import { firer, schedulesOf, slot, specOf, stateOf } from './schedule-fixtures.js';

/** The stored state, failing the test when there is none. */
function present(state: ScheduleState | undefined): ScheduleState {
  expect(state, 'stored schedule').toBeDefined();
  return state as ScheduleState;
}

/** `spec` without its schema fingerprint: as a worker started with `--tasks` declares it. */
function withoutSchema(spec: ScheduleSpec): ScheduleSpec {
  const { schema: _schema, ...rest } = spec;
  return rest;
}

/**
 * S7a: a spec without a schema fingerprint does not replace a stored one that differs from
 * it only by having one, so that workers with and without fingerprints (`--tasks` beside the
 * generated registry) declaring one schedule do not take turns replacing it.
 */
export function scheduleFingerprintRules(harness: ConformanceHarness): void {
  describe('schedules: specs with and without a schema fingerprint', () => {
    const ctx = useSuiteContext(harness);

    it('[S7a] a spec lacking only the stored schema fingerprint is unchanged: the stored spec, revision and mark stay, and its fires go on', async ({
      skip,
    }) => {
      const { schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-fp-keep');
      // Fingerprints a JSON string escapes, one that reads like the member after it.
      const specs = [
        specOf(queue, 'plain', { schema: 'fingerprint-1', index: ['conformance'] }),
        specOf(queue, 'escaped', { schema: 'fp "quoted" \\ back\\"slash\\' }),
        specOf(queue, 'lookalike', { schema: 'fp","index":["conformance"]' }),
      ];
      expect(await schedules.upsert(specs)).toEqual(['created', 'created', 'created']);
      expect((await firer(schedules, queue, 'plain')(slot(1))).fired).toBe(true);
      const before = await Promise.all(
        specs.map(async (spec) => present(await stateOf(schedules, queue, spec.id))),
      );
      await ctx.advance(1);
      expect(await schedules.upsert(specs.map(withoutSchema))).toEqual([
        'unchanged',
        'unchanged',
        'unchanged',
      ]);
      for (const [n, spec] of specs.entries()) {
        expect(await stateOf(schedules, queue, spec.id)).toEqual(before[n]);
      }
      // A fire from the stored revision is not refused as changed.
      expect((await firer(schedules, queue, 'plain')(slot(2))).fired).toBe(true);
    });

    it('[S7a] a fingerprint added or changed replaces the stored spec (and then stays); any other difference replaces it, fingerprint or not', async ({
      skip,
    }) => {
      const { schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-fp-change');
      const bare = specOf(queue, 'up');
      expect(await schedules.upsert([bare])).toEqual(['created']);
      expect((await firer(schedules, queue, 'up')(slot(1))).fired).toBe(true);
      const { mark } = present(await stateOf(schedules, queue, 'up'));
      const upgraded = { ...bare, schema: 'fingerprint-1' };
      expect(await schedules.upsert([upgraded])).toEqual(['changed']);
      expect(await stateOf(schedules, queue, 'up')).toMatchObject({
        spec: upgraded,
        revision: 2,
        mark,
      });
      expect(await schedules.upsert([bare, upgraded])).toEqual(['unchanged', 'unchanged']);
      const next = { ...upgraded, schema: 'fingerprint-2' };
      expect(await schedules.upsert([next])).toEqual(['changed']);
      expect(present(await stateOf(schedules, queue, 'up'))).toMatchObject({
        spec: next,
        revision: 3,
      });
      // Without a fingerprint and with another input or index: replaced, the fingerprint gone.
      const others: ScheduleSpec[] = [
        { ...bare, input: { conformance: 'changed' } },
        { ...bare, index: ['conformance'] },
      ];
      for (const [n, other] of others.entries()) {
        const id = `other-${n}`;
        const stored = { ...specOf(queue, id), schema: 'fingerprint-1' };
        const changed = { ...other, id };
        expect(await schedules.upsert([stored])).toEqual(['created']);
        expect(await schedules.upsert([changed])).toEqual(['changed']);
        expect(present(await stateOf(schedules, queue, id))).toMatchObject({
          spec: changed,
          revision: 2,
        });
        expect(present(await stateOf(schedules, queue, id)).spec.schema).toBeUndefined();
      }
      const indexed = { ...specOf(queue, 'indexed', { index: ['conformance'] }), schema: 'fp-1' };
      expect(await schedules.upsert([indexed])).toEqual(['created']);
      const { index: _index, ...unindexed } = withoutSchema(indexed);
      expect(await schedules.upsert([unindexed, { ...unindexed, every: 120_000 }])).toEqual([
        'changed',
        'changed',
      ]);
      expect(present(await stateOf(schedules, queue, 'indexed')).spec).toEqual({
        ...unindexed,
        every: 120_000,
      });
    });

    it('[S7a] of 20 concurrent upserts of one schedule, with and without the fingerprint (on two instances when it can), the fingerprinted spec is stored, replaced at most once', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const peer = ctx.hasPeer ? await ctx.peer(transport) : transport;
      const other = capabilityOf(peer, 'schedules', skip);
      const queue = uniqueQueue('sched-fp-race');
      const registry = specOf(queue, 'mixed', { source: 'code', schema: 'fingerprint-1' });
      const tasks = withoutSchema(registry);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          (n % 2 === 0 ? schedules : other).upsert([n % 4 < 2 ? registry : tasks]),
        ),
      );
      const flat = outcomes.flat();
      const count = (outcome: string) => flat.filter((o) => o === outcome).length;
      expect(count('created')).toBe(1);
      expect(count('changed')).toBeLessThanOrEqual(1);
      expect(count('unchanged')).toBe(19 - count('changed'));
      const state = present(await stateOf(schedules, queue, 'mixed'));
      expect(state.spec).toEqual(registry);
      expect(state.revision).toBe(1 + count('changed'));
      // Either order of starting again leaves it as it is.
      expect(await other.upsert([tasks])).toEqual(['unchanged']);
      expect(await schedules.upsert([registry])).toEqual(['unchanged']);
    });
  });
}
