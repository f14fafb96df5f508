import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { taskContract } from '@conveyor/core';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  cli,
  json,
  packageDir,
  producer,
  spawnConveyor,
  uniquePrefix,
  WAIT_MS,
} from './helpers.js';

// The app is copied under the package (not the OS temp dir) so that its imports of
// @conveyor/core and zod resolve through the package's node_modules.
const appDir = path.join('.tmp', `app-${process.pid}`);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
  mkdirSync(path.join(packageDir, '.tmp'), { recursive: true });
  cpSync(path.join(packageDir, 'test/fixtures/app'), path.join(packageDir, appDir), {
    recursive: true,
  });
});
afterAll(async () => {
  await redis?.stop();
  rmSync(path.join(packageDir, appDir), { recursive: true, force: true });
});

const greet = taskContract({
  name: 'app.greet',
  input: z.object({ name: z.string() }),
  queue: 'app-greetings',
});
const refuse = taskContract({
  name: 'app.refuse',
  input: z.object({ sku: z.string() }),
  queue: 'app-greetings',
});

describe('conveyor generate, then conveyor worker --config', () => {
  it('writes the client and registry, and the worker runs the registry the config names', async () => {
    const config = path.join(appDir, 'conveyor.config.ts');
    const generated = await cli(['generate', '--config', config, '--json']);
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
    expect(json(generated)).toMatchObject({
      ok: true,
      mode: 'write',
      tasks: [
        { name: 'app.greet', exportName: 'greet' },
        { name: 'app.refuse', exportName: 'refuse' },
      ],
    });
    const registry = path.join(packageDir, appDir, 'generated/registry.ts');
    expect(existsSync(registry)).toBe(true);
    expect(readFileSync(registry, 'utf8')).toContain("import { greet } from '../tasks/greet.js';");

    // A task edited after the generate: the worker says the registry is behind it.
    const later = Date.now() / 1000 + 60;
    utimesSync(path.join(packageDir, appDir, 'tasks/greet.ts'), later, later);
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    const worker = spawnConveyor([
      'worker',
      '--config',
      config,
      '--redis',
      redis.url,
      '--prefix',
      prefix,
      '--log-level',
      'warn',
    ]);
    try {
      await worker.waitFor('Ready.');
      expect(worker.stderr()).toMatch(
        /^ {2}tasks {8}app\.greet, app\.refuse \(2, from .*generated\/registry\.ts\)$/m,
      );
      // Relative to where the worker runs, as the README shows it: it read the absolute path.
      expect(worker.stderr()).toContain(
        `(2, from ${path.join(appDir, 'generated/registry.ts')})\n`,
      );
      expect(worker.stderr()).toMatch(/^ {2}queues {7}app-greetings \(from the tasks\)$/m);
      expect(worker.stderr()).toMatch(
        /^ {2}warning {6}tasks\/greet\.ts changed after \S*generated\/registry\.ts was generated: run `conveyor generate --config \S*conveyor\.config\.ts`/m,
      );
      expect(worker.stderr()).not.toContain('refuse.ts changed');
      const job = await env.client.enqueue(greet, { name: 'Ada' });
      expect(await job.result({ timeout: WAIT_MS })).toEqual({ greeting: 'Hello, Ada!' });
      // The task file's NonRetryableError comes from its own import of @conveyor/core, loaded
      // through tsx: it used to be another copy of the class, and the job was retried to dead.
      const refused = await env.client.enqueue(refuse, { sku: 'TEA-01' });
      await expect(refused.result({ timeout: WAIT_MS })).rejects.toThrow('Only 2 left of TEA-01');
      const record = await env.client.getJob(refused.id);
      expect(record).toMatchObject({ state: 'failed', attempts: 1 });
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
      await env.close();
    }
  });
});
