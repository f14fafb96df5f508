import { describe, expect, it, vi } from 'vitest';
import {
  isJobIdOf,
  isWorkflowId,
  MAX_SLOT_AT,
  newJobId,
  newLeaseToken,
  newWorkflowId,
  queueOfJobId,
  scheduledSlotOf,
  scheduleJobId,
  workflowJobId,
} from '../src/ids.js';

describe('newJobId', () => {
  it('is <queue>: plus 17 URL-safe characters', () => {
    expect(newJobId('emails')).toMatch(/^emails:[-0-9A-Z_a-z]{17}$/);
  });

  it('sorts by creation time across milliseconds, whatever the random part', () => {
    vi.useFakeTimers();
    try {
      const ids: string[] = [];
      for (const ms of [1, 63, 64, 4095, 4096, Date.UTC(2026, 0, 1), Date.UTC(2099, 11, 31)]) {
        vi.setSystemTime(ms);
        ids.push(newJobId('q'), newJobId('q'));
      }
      const byTime = ids.map((id) => id.slice(0, 'q:'.length + 7));
      expect([...byTime].sort()).toEqual(byTime);
      expect(new Set(byTime).size).toBe(7);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not repeat within one millisecond, across the random pool refills', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 29) });
    try {
      // 10 characters per id from a 4 KiB pool: 2,000 ids refill it four times.
      const ids = Array.from({ length: 2000 }, () => newJobId('q'));
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      vi.useRealTimers();
    }
  });

  it('uses every character of its alphabet in the random part (no bias towards a subset)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const c of newJobId('q').slice(9)) seen.add(c);
    expect(seen.size).toBe(64);
  });
});

describe('newLeaseToken', () => {
  it('is 16 URL-safe characters, different each time', () => {
    const tokens = Array.from({ length: 100 }, () => newLeaseToken());
    for (const token of tokens) expect(token).toMatch(/^[-0-9A-Z_a-z]{16}$/);
    expect(new Set(tokens).size).toBe(100);
  });
});

describe('queueOfJobId', () => {
  it('reads the queue of <queue>:<unique>, splitting at the first colon', () => {
    expect(queueOfJobId('emails:abc')).toBe('emails');
    expect(queueOfJobId('emails:abc:def')).toBe('emails');
    expect(queueOfJobId(newJobId('a.b-c_9'))).toBe('a.b-c_9');
  });

  it('is undefined for anything that is not a job id', () => {
    for (const id of ['no-prefix', ':abc', 'emails:', 'bad queue:x', `${'q'.repeat(65)}:x`, '']) {
      expect(queueOfJobId(id), id).toBeUndefined();
    }
    expect(queueOfJobId(42 as never)).toBeUndefined();
  });
});

describe('isJobIdOf', () => {
  it('is true only for an id whose queue part is exactly the queue', () => {
    expect(isJobIdOf('emails:abc', 'emails')).toBe(true);
    expect(isJobIdOf('emails:abc:def', 'emails')).toBe(true);
    expect(isJobIdOf('emails.b:abc', 'emails')).toBe(false);
    expect(isJobIdOf('emails:', 'emails')).toBe(false);
    expect(isJobIdOf('emailsx', 'emails')).toBe(false);
    expect(isJobIdOf('email:abc', 'emails')).toBe(false);
  });
});

describe('scheduledSlotOf', () => {
  const slotAt = Date.UTC(2026, 10, 25, 7);

  it('reads back the queue, slot and schedule id of every scheduleJobId id', () => {
    for (const [queue, id, at] of [
      ['reports', 'daily-stock', slotAt],
      ['a.b-c_9', 'sync.crm:eu-1', 0],
      ['q', 'x'.repeat(64), MAX_SLOT_AT],
      ['q', '.', 63],
    ] as const) {
      expect(scheduledSlotOf(scheduleJobId(queue, id, at))).toEqual({
        queue,
        slotAt: at,
        scheduleId: id,
      });
    }
  });

  it('has no schedule id for a hashed (over 64 characters) one', () => {
    const jobId = scheduleJobId('reports', `tenant-${'x'.repeat(120)}`, slotAt);
    expect(scheduledSlotOf(jobId)).toEqual({ queue: 'reports', slotAt });
  });

  it('is undefined for ids scheduleJobId does not make', () => {
    const hashed = scheduleJobId('q', 'y'.repeat(65), slotAt);
    for (const id of [
      newJobId('q'),
      'q:abc',
      'q:',
      'no-queue',
      'q:Oetny5-.',
      'q:Oetny5-.has space',
      `q:Oetny5-.${'x'.repeat(65)}`,
      `${hashed}x`,
      hashed.slice(0, -1),
      'q:Oetny5*.daily',
      'q:Oetny5-!daily',
    ]) {
      expect(scheduledSlotOf(id), id).toBeUndefined();
    }
    expect(scheduledSlotOf(42 as never)).toBeUndefined();
  });
});

describe('newWorkflowId', () => {
  it('makes distinct wf_ ids of URL-safe characters that isWorkflowId accepts', () => {
    const ids = Array.from({ length: 1_000 }, () => newWorkflowId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^wf_[-0-9A-Za-z_]{17}$/);
      expect(isWorkflowId(id)).toBe(true);
    }
    for (const bad of [
      'wf_',
      'wf_abcd',
      'xf_abcdefgh',
      'wf_abc.defgh',
      `wf_${'a'.repeat(65)}`,
      42,
    ]) {
      expect(isWorkflowId(bad)).toBe(false);
    }
  });
});

describe('workflowJobId', () => {
  const wf = 'wf_Oetny5-abcdefghij';

  it('is fixed per queue, workflow, step, child and retry, and names its queue', () => {
    expect(workflowJobId('emails', wf, 'confirm')).toBe(`emails:${wf}.confirm`);
    expect(workflowJobId('emails', wf, 'each', 41, 1)).toBe(`emails:${wf}.each.41.r1`);
    const variants = [
      workflowJobId('emails', wf, 'each'),
      workflowJobId('emails', wf, 'each', 0),
      workflowJobId('emails', wf, 'each', 0, 1),
      workflowJobId('emails', wf, 'each', undefined, 1),
      workflowJobId('other', wf, 'each'),
      workflowJobId('emails', 'wf_Oetny5-abcdefghik', 'each'),
    ];
    expect(new Set(variants).size).toBe(variants.length);
    for (const id of variants) expect(isJobIdOf(id, queueOfJobId(id) as string)).toBe(true);
  });

  it('hashes a long tail, staying short and distinct', () => {
    const long = 's'.repeat(64);
    const id = workflowJobId('q', `wf_${'w'.repeat(64)}`, long, 99_999, 3);
    expect(id).toMatch(/^q:wf_w{64}:[-0-9A-Za-z_]{22}$/);
    expect(id).not.toBe(workflowJobId('q', `wf_${'w'.repeat(64)}`, long, 99_998, 3));
  });

  it('never makes a newJobId or scheduleJobId id', () => {
    const id = workflowJobId('reports', newWorkflowId(), 'step');
    expect(scheduledSlotOf(id)).toBeUndefined();
    expect(id.slice('reports:'.length)).not.toMatch(/^[-0-9A-Za-z_]{17}$/);
  });
});
