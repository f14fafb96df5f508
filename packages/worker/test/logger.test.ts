import { defineTask, memoryTransport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { createWorkerLogger } from '../src/logger.js';
import { useWorkerHarness } from './helpers.js';

// The worker's default logger (and `conveyor worker`'s): its lines carry job data, and JSON
// leaves C1 controls, U+2028/2029 and bidi controls raw.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
const RAW_CONTROL = /[\x1b\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const boom = defineTask({
  name: 't.boom',
  input: z.object({ reason: z.string() }),
  retry: { attempts: 1 },
  run({ reason }) {
    throw new Error(`boom: ${reason}`);
  },
});

const workers = useWorkerHarness();

describe('createWorkerLogger', () => {
  it("escapes a job error's C1 and bidi controls as \\uXXXX; the line parses to the same text", async () => {
    const lines: string[] = [];
    const logger = createWorkerLogger({ destination: { write: (line) => void lines.push(line) } });
    // The worker id is on every line the worker writes, its own included.
    const harness = await workers.start([boom], { logger, id: 'web-\u202e1' });
    const reason = 'clear \u009b2J then \u202eflip\u202c \u2028 \x1b[31m';
    const id = await harness.enqueue('t.boom', { reason }, { maxAttempts: 1 });
    await harness.clock.advance(0);
    await expect
      .poll(() => lines.find((each) => each.includes(`"jobId":"${id}"`)))
      .toContain('boom');
    await harness.stop();
    const line = lines.find((each) => each.includes(`"jobId":"${id}"`)) ?? '';
    expect(line).toContain('\\u009b2J');
    expect(line).toContain('\\u202eflip\\u202c \\u2028 \\u001b[31m');
    expect(line).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(line)).toMatchObject({
      name: 'conveyor-worker',
      jobId: id,
      err: { message: `boom: ${reason}` },
    });
    // Every line goes through the escape, the worker's own too.
    const own = lines.filter((each) => !each.includes('"jobId"'));
    expect(own.length).toBeGreaterThan(0);
    for (const each of lines) {
      expect(each).toContain('"workerId":"web-\\u202e1"');
      expect(each).not.toMatch(RAW_CONTROL);
    }
  });

  it("writes an error's message once, and its cause as an object of its own", () => {
    const lines: string[] = [];
    const logger = createWorkerLogger({ destination: { write: (line) => void lines.push(line) } });
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:16432');
    const error = new Error(
      'reserve failed (CONNECTION): connect ECONNREFUSED 127.0.0.1:16432. Redis could not be reached.',
      { cause },
    );
    logger.error({ err: error }, 'cannot reserve');
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line.err.message).toBe(error.message);
    expect(line.err.cause).toMatchObject({ message: cause.message });
  });

  it('names the worker id once on a line, also on the warning of an id another worker has', async () => {
    const lines: string[] = [];
    const logger = createWorkerLogger({ destination: { write: (line) => void lines.push(line) } });
    const transport = memoryTransport();
    await transport.admin.putWorker(
      {
        id: 'dup',
        hostname: 'box-2',
        pid: 4242,
        queues: ['default'],
        tasks: [],
        concurrency: 1,
        state: 'idle',
        startedAt: Date.now(),
        heartbeatAt: Date.now(),
        heartbeatMs: 600_000,
        jobs: [],
        counts: { completed: 0, failed: 0, retried: 0 },
      },
      600_000,
    );
    const worker = createWorker({ transport, tasks: [boom], id: 'dup', logger });
    const running = worker.start();
    await expect
      .poll(() => lines.find((line) => line.includes('another live worker has id')))
      .toBeDefined();
    await worker.stop();
    await running;
    const warning = lines.find((line) => line.includes('another live worker has id')) ?? '';
    expect(warning.match(/"workerId":/g)).toEqual(['"workerId":']);
    expect(JSON.parse(warning)).toMatchObject({ workerId: 'dup', otherHostname: 'box-2' });
  });

  it('refuses an unknown level, quoting it', () => {
    expect(() => createWorkerLogger({ level: 'verbose' as 'info' })).toThrow(
      'Invalid level "verbose": expected one of fatal, error, warn, info, debug, trace, silent.',
    );
  });
});
