import { describe, expect, it } from 'vitest';
import { AUDIT_LIMITS } from '../../transport-admin.js';
import { capabilityOf, useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';

/**
 * A12: the audit log, `admin.appendAudit` and `admin.listAudit`. The log is one per broker,
 * so each test names its own actor or job and looks only at those entries.
 */
export function auditRules(harness: ConformanceHarness): void {
  describe('audit log', () => {
    const ctx = useSuiteContext(harness);

    it('[A12] appendAudit stores the entry with an id and the transport’s time, and returns it', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('audit');
      const actor = uniqueQueue('actor');
      const before = await ctx.now(transport);
      const entry = await admin.appendAudit({
        actor,
        action: 'job.retry',
        jobId: `${queue}:job-1`,
        queue,
        detail: { filter: { task: 'shop.email', code: null }, count: 3, ok: true, ids: ['a'] },
      });
      const after = await ctx.now(transport);
      expect(entry).toEqual({
        id: expect.any(String),
        at: expect.any(Number),
        actor,
        action: 'job.retry',
        jobId: `${queue}:job-1`,
        queue,
        detail: { filter: { task: 'shop.email', code: null }, count: 3, ok: true, ids: ['a'] },
      });
      expect(entry.at).toBeGreaterThanOrEqual(before);
      expect(entry.at).toBeLessThanOrEqual(after);
      const bare = await admin.appendAudit({ actor, action: 'queue.purge' });
      expect(bare).toEqual({
        id: expect.any(String),
        at: expect.any(Number),
        actor,
        action: 'queue.purge',
      });
      const listed = (await admin.listAudit({ limit: 1000 })).filter((e) => e.actor === actor);
      expect(listed).toEqual([entry, bare]);
    });

    it('[A12] listAudit after an id returns only later entries, oldest first, at most limit', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const actor = uniqueQueue('actor');
      const entries = [];
      for (let index = 0; index < 5; index++) {
        entries.push(await admin.appendAudit({ actor, action: `step.${index}` }));
      }
      const ids = entries.map((entry) => entry.id);
      expect(new Set(ids).size).toBe(5);
      const mine = async (options: { after?: string; limit?: number }) =>
        (await admin.listAudit(options)).filter((entry) => entry.actor === actor);
      expect(await mine({ after: ids[1] })).toEqual(entries.slice(2));
      expect(await mine({ after: ids[4] })).toEqual([]);
      // Resuming from the last id seen reads each entry once.
      const first = await mine({ after: ids[0], limit: 2 });
      expect(first).toEqual(entries.slice(1, 3));
      expect(await mine({ after: first[1]?.id, limit: 2 })).toEqual(entries.slice(3, 5));
    });

    it('[A12] listAudit before an id returns the entries just before it, oldest first, at most limit', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const actor = uniqueQueue('actor');
      const entries = [];
      for (let index = 0; index < 5; index++) {
        entries.push(await admin.appendAudit({ actor, action: `step.${index}` }));
      }
      const ids = entries.map((entry) => entry.id);
      const mine = async (options: { before?: string; limit?: number }) =>
        (await admin.listAudit(options)).filter((entry) => entry.actor === actor);
      expect(await mine({ before: ids[3] })).toEqual(entries.slice(0, 3));
      expect(await mine({ before: ids[0] })).toEqual([]);
      // Reading backward from the oldest id seen reads each entry once.
      const newest = await mine({ limit: 2 });
      expect(newest).toEqual(entries.slice(3, 5));
      const older = await mine({ before: newest[0]?.id, limit: 2 });
      expect(older).toEqual(entries.slice(1, 3));
      expect(await mine({ before: older[0]?.id, limit: 2 })).toEqual(entries.slice(0, 1));
      // With a jobId, that job's entries before the id.
      const jobId = `${uniqueQueue('audit-before')}:job`;
      const ofJob = [];
      for (let index = 0; index < 4; index++) {
        ofJob.push(await admin.appendAudit({ actor, action: `job.${index}`, jobId }));
        await admin.appendAudit({ actor, action: `other.${index}`, jobId: `${jobId}-other` });
      }
      expect(await admin.listAudit({ jobId, before: ofJob[3]?.id, limit: 2 })).toEqual(
        ofJob.slice(1, 3),
      );
      expect(await admin.listAudit({ jobId, before: ofJob[0]?.id })).toEqual([]);
      await expect(admin.listAudit({ after: ids[0], before: ids[4] })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
    });

    it('[A12] listAudit with a jobId returns that job’s entries only; without after, the newest', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('audit-job');
      const [jobA, jobB] = [`${queue}:a`, `${queue}:b`];
      const ofA = [];
      for (let index = 0; index < 4; index++) {
        ofA.push(await admin.appendAudit({ actor: 'ada', action: `a.${index}`, jobId: jobA }));
        await admin.appendAudit({ actor: 'ada', action: `b.${index}`, jobId: jobB, queue });
      }
      expect(await admin.listAudit({ jobId: jobA })).toEqual(ofA);
      expect(await admin.listAudit({ jobId: jobA, limit: 2 })).toEqual(ofA.slice(2));
      expect(await admin.listAudit({ jobId: jobA, after: ofA[1]?.id })).toEqual(ofA.slice(2));
      expect(await admin.listAudit({ jobId: `${queue}:none` })).toEqual([]);
      const [latest] = await admin.listAudit({ limit: 1 });
      expect(latest).toMatchObject({ jobId: jobB, action: 'b.3' });
    });

    it('[A12] an entry with jobIds is listed once in the log and under each of those jobs', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('audit-bulk');
      const actor = uniqueQueue('actor');
      const [jobA, jobB, jobC] = [`${queue}:a`, `${queue}:b`, `${queue}:c`];
      const entry = await admin.appendAudit({
        actor,
        action: 'dead.retry',
        queue,
        jobIds: [jobA, jobB, jobA],
        detail: { affected: 2 },
      });
      // Repeats count once; the log's copy keeps the (first) ids and their count.
      expect(entry).toMatchObject({ actor, jobIds: [jobA, jobB], jobIdCount: 2 });
      expect(entry.jobId).toBeUndefined();
      const own = { ...entry };
      delete own.jobIds;
      // A job's list answers it without the id list.
      expect(await admin.listAudit({ jobId: jobA })).toEqual([own]);
      expect(await admin.listAudit({ jobId: jobB })).toEqual([own]);
      expect(await admin.listAudit({ jobId: jobC })).toEqual([]);
      const logged = (await admin.listAudit({ limit: 1000 })).filter((e) => e.actor === actor);
      expect(logged).toEqual([entry]);
      // A job named by jobId and by jobIds holds the entry once.
      const both = await admin.appendAudit({ actor, action: 'x', jobId: jobC, jobIds: [jobC] });
      expect((await admin.listAudit({ jobId: jobC })).map((e) => e.id)).toEqual([both.id]);
    });

    it(`[A12] an entry keeps the first ${AUDIT_LIMITS.jobIdsKept} of its jobIds, and refuses more than ${AUDIT_LIMITS.jobIds}`, async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('audit-many');
      const ids = Array.from({ length: AUDIT_LIMITS.jobIdsKept + 20 }, (_, i) => `${queue}:${i}`);
      const entry = await admin.appendAudit({ actor: 'bulk', action: 'dead.purge', jobIds: ids });
      expect(entry.jobIds).toEqual(ids.slice(0, AUDIT_LIMITS.jobIdsKept));
      expect(entry.jobIdCount).toBe(ids.length);
      const [last] = await admin.listAudit({ jobId: ids.at(-1) });
      expect(last).toMatchObject({ id: entry.id, jobIdCount: ids.length });
      const tooMany = Array.from({ length: AUDIT_LIMITS.jobIds + 1 }, (_, i) => `${queue}:x${i}`);
      await expect(
        admin.appendAudit({ actor: 'bulk', action: 'dead.purge', jobIds: tooMany }),
      ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
      await expect(
        admin.appendAudit({ actor: 'bulk', action: 'dead.purge', jobIds: [''] }),
      ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    });

    it(`[A12] keeps the newest ${AUDIT_LIMITS.perJob} entries of a job`, async ({ skip }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const jobId = `${uniqueQueue('audit-bound')}:job`;
      const appended = [];
      for (let index = 0; index < AUDIT_LIMITS.perJob + 5; index++) {
        appended.push(
          await admin.appendAudit({ actor: 'bound', action: 'job.cancel', jobId, detail: index }),
        );
      }
      const listed = await admin.listAudit({ jobId, limit: 1000 });
      expect(listed).toEqual(appended.slice(-AUDIT_LIMITS.perJob));
    });
  });
}
