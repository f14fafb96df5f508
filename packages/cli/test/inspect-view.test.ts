import type { JobRecord } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { describeJob } from '../src/commands/inspect.js';

// The human view of `conveyor inspect`, on records as transports return them. Each case was
// found by using the CLI from outside.

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);

function record(overrides: Partial<JobRecord> = {}): JobRecord {
  const envelope = makeEnvelope('emails', {
    task: 'mail.send',
    maxAttempts: 2,
    enqueuedAt: NOW - 60_000,
  });
  return {
    id: envelope.id,
    envelope,
    state: 'waiting',
    attempts: 0,
    enqueuedAt: NOW - 60_000,
    ...overrides,
  };
}

const leaseExpired = {
  name: 'LeaseExpiredError',
  code: 'LEASE_EXPIRED',
  message: 'The lease ran out: the worker stopped renewing it (crashed, killed or cut off).',
};

const row = (lines: string[], label: string) => lines.find((line) => line.startsWith(label));

describe('conveyor inspect, the human view', () => {
  it('says how the last attempt ended for a job waiting again after its worker died', () => {
    // After a kill -9 it read "State waiting, Attempts 1 of 2", and the reason was only in --json.
    const lines = describeJob(
      record({
        attempts: 1,
        history: [
          { attempt: 1, startedAt: NOW - 40_000, endedAt: NOW - 5_000, error: leaseExpired },
        ],
      }),
      NOW,
    );
    expect(row(lines, 'Last run')).toMatch(
      /^Last run {2}attempt 1 ended .*: LEASE_EXPIRED: The lease ran out/,
    );
  });

  it('shows no start for a job whose only delivery never ran (given back, or cancelled ahead of its run)', () => {
    // A job handed back at shutdown read "Started …" beside "Attempts 0 of 2".
    const given = describeJob(record({ startedAt: NOW - 30_000 }), NOW);
    expect(row(given, 'Attempts')).toMatch(/0 of 2$/);
    expect(row(given, 'Started')).toBeUndefined();
    const cancelled = describeJob(
      record({ state: 'cancelled', startedAt: NOW - 30_000, finishedAt: NOW - 20_000 }),
      NOW,
    );
    expect(row(cancelled, 'Started')).toBeUndefined();
    expect(row(cancelled, 'Ran for')).toBeUndefined();
    expect(row(cancelled, 'Finished')).toBeDefined();
    // A run's delivery is counted: its start shows.
    const ran = describeJob(record({ state: 'active', attempts: 1, startedAt: NOW - 30_000 }), NOW);
    expect(row(ran, 'Started')).toBeDefined();
  });

  it('calls an attempt that a later one followed Earlier, not Last run', () => {
    // A job that lost its first lease and completed on its second read "Last run attempt 1".
    const lines = describeJob(
      record({
        state: 'completed',
        attempts: 2,
        history: [
          { attempt: 1, startedAt: NOW - 40_000, endedAt: NOW - 5_000, error: leaseExpired },
        ],
      }),
      NOW,
    );
    expect(row(lines, 'Last run')).toBeUndefined();
    expect(row(lines, 'Earlier')).toMatch(/^Earlier {3}attempt 1 ended .*: LEASE_EXPIRED: /);
  });

  it('gives no run length for a job whose lease ran out: it ran until its worker stopped answering', () => {
    // "Ran for 6.1s" counted the wait for the lease to run out as running.
    const lines = describeJob(
      record({
        state: 'dead',
        attempts: 2,
        startedAt: NOW - 6_100,
        finishedAt: NOW,
        error: leaseExpired,
      }),
      NOW,
    );
    expect(row(lines, 'Ran for')).toBeUndefined();
    expect(row(lines, 'Error')).toContain('LEASE_EXPIRED');
  });

  it('gives no run length for a job cancelled after its worker died, its lease run out', () => {
    // It read "Ran for 7.5s": the worker was killed 1.5 s into the run.
    const lines = describeJob(
      record({
        state: 'cancelled',
        attempts: 1,
        startedAt: NOW - 7_500,
        finishedAt: NOW,
        history: [{ attempt: 1, startedAt: NOW - 7_500, endedAt: NOW, error: leaseExpired }],
      }),
      NOW,
    );
    expect(row(lines, 'Started')).toBeDefined();
    expect(row(lines, 'Ran for')).toBeUndefined();
    // A job that completed under the number of an earlier lease-expired entry (a delivery
    // given back unstarted, or a dead job retried) ran for as long as it says.
    for (const counted of [false, undefined]) {
      const completed = describeJob(
        record({
          state: 'completed',
          attempts: 1,
          startedAt: NOW - 2_000,
          finishedAt: NOW,
          history: [
            {
              attempt: 1,
              startedAt: NOW - 9_000,
              endedAt: NOW - 5_000,
              error: leaseExpired,
              ...(counted === false ? { counted } : {}),
            },
          ],
        }),
        NOW,
      );
      expect(row(completed, 'Ran for')).toMatch(/2(\.0)?s$/);
    }
  });

  it('labels the error a completed job keeps from an earlier attempt as earlier', () => {
    const lines = describeJob(
      record({
        state: 'completed',
        attempts: 1,
        finishedAt: NOW,
        error: { name: 'Error', code: 'ESOCKET', message: 'connect ECONNREFUSED' },
      }),
      NOW,
    );
    expect(row(lines, 'Error')).toBeUndefined();
    expect(row(lines, 'Earlier')).toBe('Earlier   ESOCKET: connect ECONNREFUSED');
  });

  it('marks a cut Input or Result with how much is left out, as an error cut is', () => {
    // A 3,000-character input ended at 2,000 characters in a bare "…", nothing said of the rest.
    const base = record();
    const long = 'x'.repeat(3_000);
    const lines = describeJob(
      {
        ...base,
        state: 'completed',
        attempts: 1,
        finishedAt: NOW,
        envelope: { ...base.envelope, input: long },
        result: { text: long },
      },
      NOW,
    );
    // The JSON of the input is the string quoted: 3,002 characters, 2,000 of them shown.
    expect(row(lines, 'Input')).toBe(
      `Input     "${'x'.repeat(1_999)}… (1,002 more characters; use --json for all of it)`,
    );
    expect(row(lines, 'Result')).toBe(
      `Result    {"text":"${'x'.repeat(1_991)}… (1,011 more characters; use --json for all of it)`,
    );
  });

  it('shows an unreadable job as such, without attempts or an enqueue time it does not have', () => {
    // It read "Attempts 1 of 0", "Enqueued 1970-01-01T00:00:00.000Z" and an empty Task.
    const base = record();
    const unreadable: JobRecord = {
      ...base,
      state: 'dead',
      attempts: 1,
      enqueuedAt: 0,
      envelope: { ...base.envelope, task: '', maxAttempts: 0, enqueuedAt: 0 },
      error: {
        name: 'InvalidEnvelopeError',
        code: 'INVALID_ENVELOPE',
        message: 'maxAttempts is "abc"',
      },
    };
    const lines = describeJob(unreadable, NOW);
    expect(row(lines, 'Task')).toBe('Task      (unreadable: see Error)');
    expect(row(lines, 'Attempts')).toBeUndefined();
    expect(row(lines, 'Enqueued')).toBeUndefined();
    expect(row(lines, 'Error')).toContain('INVALID_ENVELOPE');
  });
});
