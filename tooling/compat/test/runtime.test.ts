// Node users: every entry point loads with require() (CommonJS on Node 20.19+, which can
// require ESM without top-level await) and with import(), and both give one module.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compatDir, fixturesDir, publishedPackages } from './packages.js';

const packages = publishedPackages();

interface Loaded {
  exports?: string[];
  sameModule?: boolean;
  file?: string;
  error?: string;
}

describe('require() and import() under Node', () => {
  it('load every entry point from dist/, one copy each', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(fixturesDir, 'runtime', 'load-all.cjs')],
      // No NODE_OPTIONS: no loader or condition of the test runner's may reach the child.
      { cwd: compatDir, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const report = JSON.parse(stdout) as Record<string, Loaded>;
    expect(Object.keys(report).sort()).toEqual(packages.flatMap((p) => p.entries).sort());
    for (const [entry, loaded] of Object.entries(report)) {
      expect(loaded.error, entry).toBeUndefined();
      expect(loaded.sameModule, entry).toBe(true);
      expect(loaded.exports?.length, entry).toBeGreaterThan(0);
      expect(loaded.file, entry).toMatch(/[/\\]packages[/\\][^/\\]+[/\\]dist[/\\]/);
    }
  });

  // createManualClock from @conveyor/core/testing failed with ERR_MODULE_NOT_FOUND for
  // 'vitest' in a plain script: that entry has the conformance suite, which needs vitest.
  it('load @conveyor/core/testing/clock where vitest cannot be found', async () => {
    const run = (script: string) =>
      promisify(execFile)(
        process.execPath,
        ['--import', './fixtures/runtime/no-vitest.mjs', '--input-type=module', '-e', script],
        { cwd: compatDir, env: { ...process.env, NODE_OPTIONS: '' } },
      );
    const { stdout } = await run(
      "const { createManualClock } = await import('@conveyor/core/testing/clock'); const clock = createManualClock(0); await clock.advance(5); console.log(clock.now());",
    );
    expect(stdout.trim()).toBe('5');
    // The hook hides vitest: the entry with the conformance suite fails under it.
    await expect(run("await import('@conveyor/core/testing');")).rejects.toThrow(
      /Cannot find package 'vitest'/,
    );
  });
});
