import { describe, expect, it } from 'vitest';
import { type RunResult, spawnConveyor, WAIT_MS } from './helpers.js';

// A signal that reaches `conveyor worker` before "Ready" (its tasks loading, its broker
// connecting) stops the start-up: it was once counted and dropped, the worker started anyway
// and the next signal armed the 10 s exit meant for a second one.
describe('conveyor worker, signalled while starting', () => {
  it(
    'exits 143 on the first SIGTERM, having started nothing',
    async () => {
      const worker = spawnConveyor([
        'worker',
        '--tasks',
        'test/fixtures/slow-start.ts',
        '--redis',
        'redis://127.0.0.1:1',
      ]);
      await worker.waitFor('slow-start: loading');
      worker.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const ignored = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), 15_000);
      });
      const result: RunResult | undefined = await Promise.race([worker.exited, ignored]);
      clearTimeout(timer);
      if (!result) worker.child.kill('SIGKILL');
      expect(result, `still running after SIGTERM:\n${worker.stderr()}`).toBeDefined();
      expect(result?.code, result?.stderr).toBe(143);
      expect(result?.stderr).toContain(
        'conveyor worker: SIGTERM before the worker was ready: stopped starting, no job taken.',
      );
      expect(result?.stderr).not.toContain('Ready.');
    },
    WAIT_MS * 2,
  );
});
