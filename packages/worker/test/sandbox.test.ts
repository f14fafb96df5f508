import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineTask, memoryTransport } from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import defaultExportTasks from './fixtures/default-export-tasks.js';
import { tasks } from './fixtures/sandbox-tasks.js';
import { captureLogger, type Harness, useWorkerHarness } from './helpers.js';

const moduleUrl = new URL('./fixtures/sandbox-tasks.ts', import.meta.url);
/** The children run the TypeScript fixture from source. */
const execArgv = ['--conditions=@conveyor/source', '--import', 'tsx'];
const sandbox = { module: moduleUrl, execArgv };
const dir = mkdtempSync(join(tmpdir(), 'conveyor-sandbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const workers = useWorkerHarness();

/** Waits in real time (children run on it) while the worker's clock stands still. */
// Generous: a child's start-up took over 20 s beside a full `pnpm test` on a 2-core machine.
const realTime = { timeout: 60_000, interval: 20 };

async function startSandboxed(options = {}): Promise<Harness> {
  const h = await workers.start(tasks, { sandbox, concurrency: 2, ...options });
  await vi.waitFor(() => expect(h.worker.stats().state).toBe('running'), realTime);
  return h;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid a task wrote; the file can exist before its content is written, so wait for both. */
async function pidFrom(markerFile: string): Promise<number> {
  return vi.waitFor(() => {
    expect(existsSync(markerFile)).toBe(true);
    const pid = Number(readFileSync(markerFile, 'utf8'));
    expect(Number.isInteger(pid) && pid > 0).toBe(true);
    return pid;
  }, realTime);
}

describe('sandboxed tasks', () => {
  it('run side by side in their own children, carry progress and logs out, and abort on cancel', async () => {
    const harness = await startSandboxed({ concurrency: 2, leaseMs: 3_000, heartbeatMs: 1_000 });
    const markers = [join(dir, 'wait-1.pid'), join(dir, 'wait-2.pid')];
    const ids = [];
    for (const markerFile of markers) {
      ids.push(await harness.enqueue('sandbox.waitForAbort', { markerFile }));
    }
    await harness.clock.advance(0);
    const pids = [await pidFrom(markers[0] as string), await pidFrom(markers[1] as string)];
    expect(new Set(pids).size).toBe(2);
    const [id, other] = ids as [string, string];
    const [pid] = pids as [number];
    // The progress reached the worker: the next heartbeat stores it.
    await vi.waitFor(async () => {
      await harness.clock.advance(1_000);
      expect((await harness.job(id))?.progress).toEqual({ step: 'waiting', pid });
    }, realTime);
    const logged = harness.logger.lines.find(
      (line) => line.message === 'waiting for an abort' && line.fields.jobId === id,
    );
    expect(logged?.fields).toMatchObject({ sandboxPid: pid, markerFile: markers[0] });
    // Ctrl-C reaches the whole process group; stopping is the worker's call, not the child's.
    process.kill(pid, 'SIGINT');
    process.kill(pid, 'SIGTERM');
    expect(await harness.transport.cancel(id)).toBe('signalled');
    await vi.waitFor(async () => {
      await harness.clock.advance(0);
      expect((await harness.job(id))?.state).toBe('completed');
    }, realTime);
    // A complete after a cancel is kept (R18): the task saw the worker's abort reason.
    expect((await harness.job(id)).result).toEqual({ aborted: 'JOB_CANCEL_REQUESTED' });
    expect(alive(pid)).toBe(true);
    expect((await harness.job(other)).state).toBe('active');
    // Stopping releases the unfinished job and leaves no child behind.
    await harness.stop({ graceMs: 0 });
    expect(await harness.job(other)).toMatchObject({ state: 'waiting', attempts: 0 });
    expect(pids.filter(alive)).toEqual([]);
  });

  it('are killed at the hard time limit, even in a busy loop, and the next job gets a fresh child', async () => {
    const harness = await startSandboxed({ concurrency: 1 });
    const markerFile = join(dir, 'spin.pid');
    const id = await harness.enqueue('sandbox.spin', { markerFile }, { maxAttempts: 1 });
    await harness.clock.advance(0);
    const pid = await pidFrom(markerFile);
    expect(alive(pid)).toBe(true);
    await harness.clock.advance(1_000);
    await vi.waitFor(() => expect(alive(pid)).toBe(false), realTime);
    expect(await harness.job(id)).toMatchObject({
      state: 'dead',
      error: { code: 'TIME_LIMIT_EXCEEDED' },
    });
    expect(harness.worker.stats().totals).toMatchObject({ hardTimeLimits: 1, dead: 1 });
    const next = await harness.enqueue('sandbox.echo', { text: 'after' });
    await vi.waitFor(async () => {
      await harness.clock.advance(0);
      expect((await harness.job(next))?.state).toBe('completed');
    }, realTime);
    // Input and result crossed as JSON, and the run happened in another, new process.
    const { result } = await harness.job(next);
    expect(result).toMatchObject({ text: 'after', pid: expect.any(Number) });
    expect((result as { pid: number }).pid).not.toBe(pid);
    expect((result as { pid: number }).pid).not.toBe(process.pid);
  });

  it.each([
    ["its task's limits (soft 100, hard 150 ms)", 'sandbox.quick', {}],
    ["the worker's default limit (150 ms)", 'sandbox.echo', { defaultTimeout: 150 }],
  ])(
    "start %s once the child is ready, so a child's start-up never times a job out",
    async (_, task, options) => {
      // The one child is busy: the next job waits for a fresh child, whose start-up (tsx,
      // the module's imports) is far longer than the limit.
      const harness = await startSandboxed({ concurrency: 2, ...options });
      const markerFile = join(dir, `busy-${task}.pid`);
      await harness.enqueue('sandbox.waitForAbort', { markerFile });
      await harness.clock.advance(0);
      await pidFrom(markerFile);
      const id = await harness.enqueue(task, { text: 'late' }, { maxAttempts: 1 });
      await vi.waitFor(async () => {
        await harness.clock.advance(0);
        expect(harness.worker.stats().running).toBe(2);
      }, realTime);
      // Far past the limit while the new child still loads: it has not started.
      await harness.clock.advance(1_000);
      await vi.waitFor(async () => {
        await harness.clock.advance(0);
        expect(['completed', 'failed', 'dead']).toContain((await harness.job(id))?.state);
      }, realTime);
      expect(await harness.job(id)).toMatchObject({
        state: 'completed',
        result: { pid: expect.any(Number) },
      });
      // Per task: under the default limit the busy job times out at 150 ms, as it should.
      expect(harness.worker.stats().tasks[task]).toMatchObject({
        softTimeLimits: 0,
        hardTimeLimits: 0,
      });
      const limitLines = harness.logger.lines.filter(
        (line) => line.fields.jobId === id && /time limit|killing/.test(line.message),
      );
      expect(limitLines).toEqual([]);
    },
  );

  it('run tasks of a module whose only export is a default list (sandbox.tasks: "all")', async () => {
    // The children load the module by the same rules as the worker (one loader).
    const module = new URL('./fixtures/default-export-tasks.ts', import.meta.url);
    const harness = await workers.start(defaultExportTasks, {
      sandbox: { module, execArgv, tasks: 'all' },
      concurrency: 1,
    });
    const started = await Promise.race([
      harness.running.then(
        () => 'stopped',
        (error: Error) => error.message,
      ),
      vi.waitFor(() => {
        expect(harness.worker.stats().state).toBe('running');
        return 'running';
      }, realTime),
    ]);
    expect(started).toBe('running');
    const id = await harness.enqueue('default.where');
    await vi.waitFor(async () => {
      await harness.clock.advance(0);
      expect((await harness.job(id))?.state).toBe('completed');
    }, realTime);
    const { pid } = (await harness.job(id)).result as { pid: number };
    expect(pid).not.toBe(process.pid);
  });

  it("apply the worker's input and result caps in the child", async () => {
    const harness = await startSandboxed({
      concurrency: 1,
      maxPayloadBytes: 30,
      maxResultBytes: 20,
    });
    // {"text":"xx…"} is 51 bytes; {"text":"a","pid":<pid>} is over 20.
    const big = await harness.enqueue('sandbox.echo', { text: 'x'.repeat(40) });
    const small = await harness.enqueue('sandbox.echo', { text: 'a' });
    await vi.waitFor(async () => {
      await harness.clock.advance(0);
      expect((await harness.job(small))?.state).toBe('failed');
    }, realTime);
    expect((await harness.job(big)).error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringContaining('51 bytes, over the 30-byte limit'),
    });
    expect((await harness.job(small)).error?.code).toBe('RESULT_TOO_LARGE');
  });

  it("apply the worker's removeOnComplete in the child", async () => {
    const harness = await startSandboxed({ concurrency: 1, removeOnComplete: true });
    const id = await harness.enqueue('sandbox.echo', { text: 'a' });
    await vi.waitFor(async () => {
      await harness.clock.advance(0);
      expect(harness.worker.stats().totals.completed).toBe(1);
    }, realTime);
    // The child asked for the removal; without it the record is kept, completed.
    expect(await harness.transport.getJob(id)).toBeNull();
  });

  it('retries a job whose child died, and dead-letters it when attempts run out', async () => {
    const harness = await startSandboxed();
    const id = await harness.enqueue('sandbox.crash', {}, { maxAttempts: 1 });
    await vi.waitFor(async () => {
      await harness.clock.advance(0);
      expect((await harness.job(id))?.state).toBe('dead');
    }, realTime);
    expect((await harness.job(id)).error).toMatchObject({ code: 'SANDBOX_CRASHED' });
    expect((await harness.job(id)).error?.message).toContain('exit code 3');
  });
});

describe('sandbox options', () => {
  it('requires sandbox.module when a task is defined with sandbox: true', () => {
    expect(() =>
      createWorker({ transport: memoryTransport(), tasks, logger: captureLogger() }),
    ).toThrow(/sandbox.*"sandbox.crash".*sandbox: true/);
  });

  it('fails start() when the module lacks a sandboxed task', async () => {
    const extra = defineTask({
      name: 'sandbox.missing',
      input: z.object({}),
      sandbox: true,
      run: () => 1,
    });
    const transport = memoryTransport();
    const worker = createWorker({
      transport,
      tasks: [...tasks, extra],
      sandbox,
      logger: captureLogger(),
    });
    const error = await worker.start().catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'SANDBOX_START_FAILED' });
    expect((error as Error).message).toContain('"sandbox.missing"');
    expect(worker.stats().state).toBe('stopped');
    await transport.close();
  });

  it('fails start() and kills the child when it is not ready within sandbox.startTimeoutMs', async () => {
    // The fixture never finishes loading; it writes its pid where this test looks.
    const pidFile = join(tmpdir(), `conveyor-hanging-module-${process.pid}.pid`);
    rmSync(pidFile, { force: true });
    const clock = createManualClock();
    const transport = memoryTransport({ clock });
    const module = new URL('./fixtures/hanging-module.ts', import.meta.url);
    const worker = createWorker({
      transport,
      tasks,
      clock,
      sandbox: { module, execArgv, startTimeoutMs: 5_000 },
      logger: captureLogger(),
    });
    try {
      const starting = worker.start().catch((thrown: unknown) => thrown);
      const pid = await pidFrom(pidFile);
      await clock.advance(4_999);
      expect(alive(pid)).toBe(true);
      await clock.advance(1);
      const error = await starting;
      expect(error).toMatchObject({ code: 'SANDBOX_START_FAILED' });
      expect((error as Error).message).toContain('hanging-module.ts');
      expect((error as Error).message).toContain('not ready within 5000 ms and was killed');
      expect(worker.stats().state).toBe('stopped');
      await vi.waitFor(() => expect(alive(pid)).toBe(false), realTime);
    } finally {
      rmSync(pidFile, { force: true });
      await transport.close();
    }
  });

  it('fails start() with a clear error when the module cannot be loaded', async () => {
    const transport = memoryTransport();
    const worker = createWorker({
      transport,
      tasks,
      sandbox: { module: join(dir, 'nope.js'), execArgv },
      logger: captureLogger(),
    });
    const error = await worker.start().catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'SANDBOX_START_FAILED' });
    expect((error as Error).message).toContain('nope.js');
    await transport.close();
  });

  for (const [what, fail] of [
    ['loaded, a handle open', '0'],
    ['failed to load', '1'],
  ] as const) {
    it(`a child whose worker went away while its module loaded exits quietly: ${what}`, async () => {
      // The worker died of a stray exception while children loaded: each crashed with
      // ERR_IPC_CHANNEL_CLOSED as it said it was ready, or lived on as an orphan.
      const pidFile = join(dir, `slow-module-${fail}.pid`);
      const entry = new URL('../src/sandbox-child.ts', import.meta.url);
      const module = new URL('./fixtures/slow-module.ts', import.meta.url).href;
      const child = fork(entry, [module, '{}'], {
        execArgv,
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env: { ...process.env, CONVEYOR_SLOW_MODULE_PID: pidFile, CONVEYOR_SLOW_MODULE_FAIL: fail },
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await vi.waitFor(() => expect(existsSync(pidFile)).toBe(true), realTime);
      child.disconnect();
      writeFileSync(`${pidFile}.go`, '');
      const code = await exited;
      expect(stderr).toBe('');
      expect(code).toBe(0);
    });
  }
});
