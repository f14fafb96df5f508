// A CLI action on more jobs than one audit entry holds (AUDIT_LIMITS.jobIds, 10,000) is
// recorded in several entries, so that every job's own trail lists it: `conveyor promote`
// of 10,500 ids left the last 500 off their trails, silently.
import { AUDIT_LIMITS, memoryTransport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { recordAction } from '../src/audit-trail.js';
import type { Connection } from '../src/connection.js';
import type { Io } from '../src/output.js';

function io(): Io & { errors: string[] } {
  const errors: string[] = [];
  return {
    errors,
    stdout: () => {},
    stderr: (line) => errors.push(line),
    interactive: false,
    confirm: async () => false,
    env: { CONVEYOR_ACTOR: 'ops-ada' },
    cwd: process.cwd(),
  };
}

describe('recordAction', () => {
  it('splits a list of job ids longer than one entry holds, and each job lists the action', async () => {
    const transport = memoryTransport();
    const connection = { transport, admin: transport.admin } as unknown as Connection;
    const jobIds = Array.from({ length: AUDIT_LIMITS.jobIds + 500 }, (_, n) => `q:job-${n}`);
    const out = io();
    await recordAction(
      connection,
      { action: 'job.promote', jobIds, queue: 'q', detail: { promoted: jobIds.length } },
      out,
    );
    expect(out.errors).toEqual([]);
    const entries = await transport.admin.listAudit();
    expect(entries.map((entry) => [entry.action, entry.actor, entry.jobIdCount])).toEqual([
      ['job.promote', 'cli:ops-ada', AUDIT_LIMITS.jobIds],
      ['job.promote', 'cli:ops-ada', 500],
    ]);
    for (const id of [jobIds[0], jobIds[AUDIT_LIMITS.jobIds], jobIds.at(-1)]) {
      const own = await transport.admin.listAudit({ jobId: id as string });
      expect(own.map((entry) => entry.action)).toEqual(['job.promote']);
    }
    await transport.close();
  });
});
