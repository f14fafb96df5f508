import { newWorkflowId } from '@conveyor/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { workflowIndexKeys } from '../src/keys.js';
import { createWorkflowIndex, type WorkflowPeek } from '../src/workflows-index.js';

// The `running` and `ended` listings' indexes on Redis (`started`, `ended:<status>`,
// wf-index.lua): what they cost and how they follow the other indexes. The conformance suite
// (W15a, W15b) covers their answers through the transport; here the index is driven
// directly, with a peek that counts its calls, under a prefix of its own on the run's shared
// redis-server.

const commands = new Redis(inject('sharedRedisUrl'));
afterAll(() => commands.disconnect());

const TTL = 60_000;

function indexWith(states: Map<string, WorkflowPeek>) {
  const prefix = `conveyor-test-${newWorkflowId().slice(3, 13)}`;
  const peeked: string[] = [];
  const index = createWorkflowIndex({
    commands,
    prefix,
    resultTtlMs: TTL,
    peek: async (id) => {
      peeked.push(id);
      return (
        states.get(id) ?? {
          exists: false,
          status: '',
          version: '0',
          updatedAt: 0,
          oldest: -1,
          finishedAt: undefined,
        }
      );
    },
  });
  return { index, peeked, keys: workflowIndexKeys(prefix) };
}

const running = (updatedAt: number): WorkflowPeek => ({
  exists: true,
  status: 'running',
  version: '1',
  updatedAt,
  oldest: -1,
  finishedAt: undefined,
});

const endedAs = (status: string, finishedAt: number, version = '5'): WorkflowPeek => ({
  exists: true,
  status,
  version,
  updatedAt: finishedAt,
  oldest: -1,
  finishedAt,
});

describe('the running index (started)', () => {
  it('answers a page after reading about a page of records, however many run', async () => {
    const states = new Map<string, WorkflowPeek>();
    const { index, peeked, keys } = indexWith(states);
    const ids = Array.from({ length: 300 }, () => newWorkflowId());
    for (const [n, id] of ids.entries()) {
      states.set(id, running(1_000 + n));
      await index.report(id, { idle: `+${1_000 + n}`, outbox: '', version: '1', ended: '' });
    }
    expect(await commands.zcard(keys[3] as string)).toBe(300);
    const page = await index.running(5);
    expect(page).toEqual(ids.slice(0, 5).map((id, n) => ({ id, at: 1_000 + n })));
    expect(peeked).toEqual(ids.slice(0, 5));
    peeked.length = 0;
    const next = await index.running(5, page[4]);
    expect(next.map((entry) => entry.id)).toEqual(ids.slice(5, 10));
    expect(peeked).toEqual(ids.slice(5, 10));
    await commands.del(...keys);
  });

  it('keeps the score a workflow began with while idle moves, and drops an ended one it meets', async () => {
    const states = new Map<string, WorkflowPeek>();
    const { index, peeked, keys } = indexWith(states);
    const [idleKey, , , startedKey] = keys as [string, string, string, string];
    const [a, b, c] = [newWorkflowId(), newWorkflowId(), newWorkflowId()];
    for (const [n, id] of [a, b, c].entries()) {
      states.set(id, running(10 + n));
      await index.report(id, { idle: `+${10 + n}`, outbox: '', version: '1', ended: '' });
    }
    // A later update of `a` (a sweeper's correction, a retry while it runs) moves its idle
    // score, not where it began.
    await index.report(a as string, { idle: '+99', outbox: '', version: '2', ended: '' });
    expect(Number(await commands.zscore(idleKey, a as string))).toBe(99);
    expect(Number(await commands.zscore(startedKey, a as string))).toBe(10);
    // `b` ended without the index hearing of it: the listing reads past it, answers the next
    // one, and removes it from both sets.
    states.set(b as string, { ...running(11), status: 'completed', version: '3', finishedAt: 11 });
    const page = await index.running(2);
    expect(page.map((entry) => entry.id)).toEqual([a, c]);
    expect(peeked).toEqual([a, b, c]);
    expect(await commands.zscore(startedKey, b as string)).toBeNull();
    expect(await commands.zscore(idleKey, b as string)).toBeNull();
    // Ended, as reported by its own script: it leaves both sets.
    await index.report(c as string, { idle: '-', outbox: '', version: '2', ended: '' });
    expect(await commands.zscore(startedKey, c as string)).toBeNull();
    await commands.del(...keys);
  });
});

describe('the ended index (ended:<status>)', () => {
  it('keeps an end against a correction read before it, and a retry takes it out', async () => {
    const states = new Map<string, WorkflowPeek>();
    const { index, keys } = indexWith(states);
    const failedKey = keys[4] as string;
    const id = newWorkflowId();
    await index.report(id, { idle: '+100', outbox: '', version: '1', ended: '' });
    // It fails (version 4); its version stays, so a sweeper's correction from a peek at
    // version 3 (still running) cannot take the end back.
    await index.report(id, { idle: '-', outbox: '', version: '4', ended: 'failed 500' });
    expect(Number(await commands.zscore(failedKey, id))).toBe(500);
    expect(await commands.hget(keys[2] as string, id)).toBe('4');
    states.set(id, { ...running(300), version: '3' });
    await index.running(10);
    expect(Number(await commands.zscore(failedKey, id))).toBe(500);
    // A retry (idle `+` from its script) makes it run again: out of every ended set.
    await index.report(id, { idle: '+600', outbox: '', version: '5', ended: '' });
    expect(await commands.zscore(failedKey, id)).toBeNull();
    await commands.del(...keys);
  });

  it('pages newest first, reading about a page of records, and trims ends past the TTL', async () => {
    const states = new Map<string, WorkflowPeek>();
    const { index, peeked, keys } = indexWith(states);
    const cancelledKey = keys[6] as string;
    const ids = Array.from({ length: 250 }, () => newWorkflowId());
    for (const [n, id] of ids.entries()) {
      states.set(id, endedAs('cancelled', 1_000 + n));
      await index.report(id, {
        idle: '-',
        outbox: '',
        version: '5',
        ended: `cancelled ${1_000 + n}`,
      });
    }
    const newest = [...ids].reverse();
    const page = await index.ended('cancelled', 5);
    expect(page).toEqual(newest.slice(0, 5).map((id) => ({ id, at: states.get(id)?.finishedAt })));
    expect(peeked).toEqual(newest.slice(0, 5));
    peeked.length = 0;
    expect((await index.ended('cancelled', 5, page[4])).map((e) => e.id)).toEqual(
      newest.slice(5, 10),
    );
    expect(peeked).toEqual(newest.slice(5, 10));
    // An end a TTL after the first ones: those older than the TTL before it are dropped, with
    // their versions (their records have expired).
    const late = newWorkflowId();
    const lateAt = 1_000 + 100 + TTL;
    await index.report(late, { idle: '-', outbox: '', version: '2', ended: `cancelled ${lateAt}` });
    expect(await commands.zcard(cancelledKey)).toBe(151);
    expect(await commands.zscore(cancelledKey, ids[99] as string)).toBeNull();
    expect(await commands.hget(keys[2] as string, ids[99] as string)).toBeNull();
    expect(await commands.zscore(cancelledKey, ids[100] as string)).not.toBeNull();
    await commands.del(...keys);
  });

  it('leaves out and drops an entry whose record is gone, runs again or ended at another time', async () => {
    const states = new Map<string, WorkflowPeek>();
    const { index, keys } = indexWith(states);
    const failedKey = keys[4] as string;
    const [gone, again, moved, kept] = Array.from({ length: 4 }, () => newWorkflowId()) as [
      string,
      string,
      string,
      string,
    ];
    for (const [n, id] of [gone, again, moved, kept].entries()) {
      await index.report(id, { idle: '-', outbox: '', version: '5', ended: `failed ${100 + n}` });
    }
    states.set(again, { ...running(200), version: '6' });
    states.set(moved, endedAs('failed', 999));
    states.set(kept, endedAs('failed', 103));
    expect(await index.ended('failed', 10)).toEqual([{ id: kept, at: 103 }]);
    expect(await commands.zrange(failedKey, '0', '-1')).toEqual([kept]);
    // The gone one's version goes with it; it cannot come back.
    expect(await commands.hget(keys[2] as string, gone)).toBeNull();
    await commands.del(...keys);
  });
});

describe('the ended index under change', () => {
  it('walks every entry once while runs end and are retried during the walk', async () => {
    const states = new Map<string, WorkflowPeek>();
    const prefix = `conveyor-test-${newWorkflowId().slice(3, 13)}`;
    const ids = Array.from({ length: 450 }, () => newWorkflowId());
    const newest = [...ids].reverse();
    const retried = newest.slice(100, 120);
    let change: (() => Promise<void>) | undefined;
    let changed: Promise<void> | undefined;
    const index = createWorkflowIndex({
      commands,
      prefix,
      resultTtlMs: TTL,
      peek: async (id) => {
        // The first page's peeks wait for the change: the walk goes on after it.
        if (change) {
          changed = change();
          change = undefined;
        }
        await changed;
        return states.get(id) as WorkflowPeek;
      },
    });
    for (const [n, id] of ids.entries()) {
      states.set(id, endedAs('failed', 10_000 + n));
      await index.report(id, {
        idle: '-',
        outbox: '',
        version: '5',
        ended: `failed ${10_000 + n}`,
      });
    }
    // While the first page is peeked: five runs fail after all of these (entries above the
    // cursor), and twenty of the first page's are retried (their entries leave).
    change = async () => {
      for (let n = 0; n < 5; n++) {
        const late = newWorkflowId();
        states.set(late, endedAs('failed', 20_000 + n));
        await index.report(late, {
          idle: '-',
          outbox: '',
          version: '5',
          ended: `failed ${20_000 + n}`,
        });
      }
      for (const id of retried) {
        states.set(id, { ...running(30_000), version: '6' });
        await index.report(id, { idle: '+30000', outbox: '', version: '6', ended: '' });
      }
    };
    const found = (await index.ended('failed', 1_000)).map((entry) => entry.id);
    // Before: pages were read at offsets 200 and 400, so with five entries added above and
    // twenty removed inside the first page, the second page began fifteen entries too late.
    expect(found).toEqual(newest.filter((id) => !retried.includes(id)));
    await commands.del(...workflowIndexKeys(prefix));
  });
});

describe('the idle index under change', () => {
  it("a sweeper's scan reads every idle workflow while others end during it", async () => {
    const states = new Map<string, WorkflowPeek>();
    const prefix = `conveyor-test-${newWorkflowId().slice(3, 13)}`;
    const ids = Array.from({ length: 450 }, () => newWorkflowId());
    const ending = ids.slice(100, 120);
    let change: (() => Promise<void>) | undefined;
    let changed: Promise<void> | undefined;
    const index = createWorkflowIndex({
      commands,
      prefix,
      resultTtlMs: TTL,
      peek: async (id) => {
        // The first page's peeks wait for the change: the scan goes on after it.
        if (change) {
          changed = change();
          change = undefined;
        }
        await changed;
        return states.get(id) as WorkflowPeek;
      },
    });
    for (const [n, id] of ids.entries()) {
      states.set(id, running(10_000 + n));
      await index.report(id, { idle: `+${10_000 + n}`, outbox: '', version: '1', ended: '' });
    }
    // While the first page is peeked, twenty of its workflows end (their entries leave).
    change = async () => {
      for (const id of ending) {
        states.set(id, endedAs('completed', 20_000));
        await index.report(id, { idle: '-', outbox: '', version: '2', ended: 'completed 20000' });
      }
    };
    const found = (await index.idle(Number.MAX_SAFE_INTEGER, 1_000)).map((entry) => entry.id);
    // Before: the second page was read at offset 200, twenty entries too late.
    expect(found).toEqual(ids.filter((id) => !ending.includes(id)));
    await commands.del(...workflowIndexKeys(prefix));
  });
});
