import { describe, expect, it } from 'vitest';
import { memoryTransport } from '../../src/memory/index.js';
import { createManualClock, makeEnvelope } from '../../src/testing/index.js';
import { AUDIT_LIMITS, INDEX_LIMITS } from '../../src/transport-admin.js';
import { METRICS_RETENTION_MS, PICKUP_BUCKETS_MS } from '../../src/transport-metrics.js';

// The bounds the conformance suite leaves to each transport's own tests: checking them
// there would cost a real broker thousands of calls or hours of waiting.

function setup() {
  const clock = createManualClock();
  return { clock, transport: memoryTransport({ clock }) };
}

describe('memoryTransport: audit log bounds', () => {
  it(`keeps the newest ${AUDIT_LIMITS.entries} entries, and drops a dropped entry from its job's list too`, async () => {
    const { transport } = setup();
    const { admin } = transport;
    const first = await admin.appendAudit({ actor: 'a', action: 'job.retry', jobId: 'q:first' });
    for (let index = 0; index < AUDIT_LIMITS.entries; index++) {
      await admin.appendAudit({ actor: 'a', action: 'job.retry', jobId: `q:${index % 7}` });
    }
    expect(await admin.listAudit({ jobId: 'q:first' })).toEqual([]);
    // Ids are sequence numbers in this transport: after "0" means from the oldest kept.
    const [oldest] = await admin.listAudit({ after: '0', limit: 1 });
    expect(Number(oldest?.id)).toBe(Number(first.id) + 1);
    const newest = await admin.listAudit({ limit: 3 });
    expect(newest.map((entry) => Number(entry.id))).toEqual([
      AUDIT_LIMITS.entries - 1,
      AUDIT_LIMITS.entries,
      AUDIT_LIMITS.entries + 1,
    ]);
    expect(await admin.listAudit({ jobId: 'q:3', limit: 1000 })).toHaveLength(AUDIT_LIMITS.perJob);
  });

  it('refuses an `after` it did not issue', async () => {
    const { transport } = setup();
    await expect(transport.admin.listAudit({ after: 'x-1' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });
});

describe('memoryTransport: input index bounds', () => {
  it(`keeps the newest ${INDEX_LIMITS.perValue} jobs per value`, async () => {
    const { transport } = setup();
    const envelopes = Array.from({ length: INDEX_LIMITS.perValue + 2 }, () =>
      makeEnvelope('q', { task: 't' }),
    );
    await transport.enqueue(
      envelopes.map((envelope) => ({ envelope, index: [{ field: 'f', value: 'v' }] })),
    );
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await transport.admin.findByIndex('q', {
        task: 't',
        field: 'f',
        value: 'v',
        limit: 500,
        ...(cursor && { cursor }),
      });
      ids.push(...page.jobs.map((job) => job.id));
      cursor = page.next;
    } while (cursor);
    expect(ids).toEqual(
      envelopes
        .slice(2)
        .map((envelope) => envelope.id)
        .reverse(),
    );
  });

  it('forgets a value and its field ttlMs after the last write', async () => {
    const { clock, transport } = setup();
    const { admin } = transport;
    const search = { task: 't', field: 'f', value: 'v' };
    await transport.enqueue([
      { envelope: makeEnvelope('q', { task: 't' }), index: [{ field: 'f', value: 'v' }] },
    ]);
    await clock.advance(INDEX_LIMITS.ttlMs - 1);
    const fresh = makeEnvelope('q', { task: 't' });
    await transport.enqueue([{ envelope: fresh, index: [{ field: 'f', value: 'v' }] }]);
    await clock.advance(INDEX_LIMITS.ttlMs - 1);
    expect((await admin.findByIndex('q', search)).jobs).toHaveLength(2);
    expect(await admin.indexedFields('q')).toEqual([{ task: 't', field: 'f' }]);
    await clock.advance(1);
    expect(await admin.findByIndex('q', search)).toEqual({ jobs: [] });
    expect(await admin.indexedFields('q')).toEqual([]);
  });

  it('refuses a cursor it did not issue', async () => {
    const { transport } = setup();
    const { admin } = transport;
    await expect(
      admin.findByIndex('q', { task: 't', field: 'f', value: 'v', cursor: 'nope' }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(admin.listJobs('q', { state: 'dead', cursor: '12' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });
});

describe('memoryTransport: metrics retention', () => {
  it('forgets a minute two hours on, and keeps its totals', async () => {
    const { clock, transport } = setup();
    const { metrics } = transport;
    const minute = Math.floor(clock.now() / 60_000);
    const counts = {
      queue: 'q',
      task: 't',
      minute,
      completed: 2,
      failed: 0,
      retried: 0,
      pickup: PICKUP_BUCKETS_MS.map(() => 0).concat(1),
    };
    await metrics.record([counts]);
    const range = { fromMinute: minute, toMinute: minute };
    await clock.advance(METRICS_RETENTION_MS - 60_000);
    expect(await metrics.read(['q'], range)).toEqual([counts]);
    await clock.advance(120_000);
    expect(await metrics.read(['q'], range)).toEqual([]);
    // A minute already past retention counts in the totals only.
    await metrics.record([counts]);
    expect(await metrics.read(['q'], range)).toEqual([]);
    expect(await metrics.totals(['q'])).toEqual([
      { queue: 'q', task: 't', completed: 4, failed: 0, retried: 0 },
    ]);
  });
});
