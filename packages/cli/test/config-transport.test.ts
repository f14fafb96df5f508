import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, silentLogger, type Transport } from '@conveyor/core';
import { afterAll, describe, expect, it } from 'vitest';
import { describeOrigin, open } from '../src/connection.js';
import { configuredTransport } from '../src/transport-config.js';
import { bypassWarning } from '../src/transport-source.js';
import { echo } from './fixtures/tasks.js';
import { cli, json, packageDir, spawnConveyor, usePrivateRedis } from './helpers.js';

// Config trees live under the package (not the OS temp dir), so that their imports of
// @conveyor/core and @conveyor/codegen resolve through the package's node_modules.
const root = path.join(packageDir, '.tmp', `config-${process.pid}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A directory holding `files`; every CLI run of these tests starts in one. */
function project(files: Record<string, string>): string {
  const dir = path.join(root, randomBytes(4).toString('hex'));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/**
 * A config whose transport is one in-memory transport shared by every run in this process
 * (exported, for the test to fill). Each run gets a view whose close() is counted, not
 * applied: the CLI closes what the factory made. `hide` leaves members out of the view.
 */
function memoryConfig(hide: string[] = []): string {
  return `import { defineConfig } from '@conveyor/codegen/config';
import { memoryTransport } from '@conveyor/core';

export const shared = memoryTransport();
export const made = { count: 0, closed: 0 };

export default defineConfig({
  tasks: ['tasks/*.ts'],
  client: 'generated/client.ts',
  registry: 'generated/registry.ts',
  transport: () => {
    made.count += 1;
    return new Proxy(shared, {
      get: (target, key) =>
        ${JSON.stringify(hide)}.includes(key)
          ? undefined
          : key === 'close'
            ? async () => { made.closed += 1; }
            : Reflect.get(target, key),
    });
  },
});
`;
}

interface MemoryConfigModule {
  shared: Transport;
  made: { count: number; closed: number };
}

/** The config module, as the CLI imported it (one module per file in this process). */
async function configModule(dir: string): Promise<MemoryConfigModule> {
  const url = pathToFileURL(path.join(dir, 'conveyor.config.ts')).href;
  return (await import(/* @vite-ignore */ url)) as MemoryConfigModule;
}

/** Enqueues three echo jobs on `transport` and runs the first into the dead-letter set. */
async function fill(transport: Transport): Promise<{ dead: string; waiting: string }> {
  const client = createClient({ transport });
  const [dead, waiting] = await client.enqueueMany(echo, [{ n: 1 }, { n: 2 }, { n: 3 }]);
  const [reservation] = await transport.reserve({
    queues: ['cli-echo'],
    max: 1,
    leaseMs: 60_000,
    consumer: 'cli-test',
  });
  await transport.settle([
    {
      type: 'fail',
      id: reservation?.envelope.id ?? '',
      token: reservation?.token ?? '',
      deadLetter: true,
      error: { name: 'Error', message: 'mail server said no', code: 'SMTP_550' },
    },
  ]);
  return { dead: dead?.id ?? '', waiting: waiting?.id ?? '' };
}

/** A URL where nothing listens: connecting fails at once with ECONNREFUSED. */
const NOWHERE = 'redis://127.0.0.1:1';

describe('the transport from conveyor.config.ts', () => {
  it('status, dead and inspect run on the memory transport the config makes, and close it', async () => {
    const dir = project({ 'conveyor.config.ts': memoryConfig() });
    // The config's module is the one the CLI loads: import it first, fill its transport.
    const config = await configModule(dir);
    const { dead, waiting } = await fill(config.shared);

    const status = await cli(['status', '--json'], { cwd: dir });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const snapshot = json<Record<string, unknown>>(status);
    expect(snapshot).toMatchObject({
      transport: 'memory',
      config: 'conveyor.config.ts',
      queues: [{ queue: 'cli-echo', waiting: 2, delayed: 0, active: 0, dead: 1 }],
      workers: [],
    });
    expect(snapshot).not.toHaveProperty('redis');
    const human = await cli(['status'], { cwd: dir });
    expect(human.stdout.split('\n')[0]).toBe('Transport memory, from conveyor.config.ts');

    const page = await cli(['dead', 'cli-echo', '--json'], { cwd: dir });
    expect(page.code).toBe(0);
    expect(json(page)).toMatchObject({ queue: 'cli-echo', total: 1, jobs: [{ id: dead }] });

    const inspect = await cli(['inspect', waiting, '--json'], { cwd: dir });
    expect(inspect.code).toBe(0);
    expect(json(inspect)).toMatchObject({ id: waiting, state: 'waiting' });

    expect(config.made).toEqual({ count: 4, closed: 4 });
  });

  // The config's transport could not reach the command's logger: under `conveyor worker`
  // its warnings went to stderr as multi-line objects while the worker's went to stdout
  // as JSON lines.
  it("gives the config's transport function the command's logger", async () => {
    const dir = project({
      'conveyor.config.ts': `import { defineConfig } from '@conveyor/codegen/config';
import { memoryTransport } from '@conveyor/core';

export const given: unknown[] = [];

export default defineConfig({
  transport: (context) => {
    given.push(context);
    context.logger.warn({ from: 'config' }, 'transport made');
    return memoryTransport();
  },
});
`,
    });
    const config = await configuredTransport(undefined, dir);
    if (!config) throw new Error('the config declares a transport');
    const lines: unknown[] = [];
    const logger = { ...silentLogger, warn: (...args: unknown[]) => lines.push(args) };
    const connection = await open({ kind: 'config', config }, 'worker', { logger });
    await connection.close();
    const url = pathToFileURL(path.join(dir, 'conveyor.config.ts')).href;
    const { given } = (await import(/* @vite-ignore */ url)) as { given: unknown[] };
    expect(given).toEqual([{ logger }]);
    expect(lines).toEqual([[{ from: 'config' }, 'transport made']]);
  });

  it('--config names a config elsewhere, before or after the command', async () => {
    const dir = project({ 'shop.config.ts': memoryConfig() });
    const elsewhere = project({});
    for (const argv of [
      ['--config', path.join(dir, 'shop.config.ts'), 'status', '--json'],
      ['status', '--json', '--config', path.relative(elsewhere, path.join(dir, 'shop.config.ts'))],
    ]) {
      const run = await cli(argv, { cwd: elsewhere });
      expect(run.stderr).toBe('');
      expect(json(run)).toMatchObject({ transport: 'memory' });
    }
  });

  it('a command that needs transport.admin fails with CAPABILITY_MISSING (exit 10); inspect does not need it', async () => {
    const dir = project({ 'conveyor.config.ts': memoryConfig(['admin']) });
    const config = await configModule(dir);
    const { waiting } = await fill(config.shared);
    for (const argv of [
      ['status'],
      ['dead', 'cli-echo'],
      ['retry', waiting],
      ['purge', 'x', '-y'],
    ]) {
      const run = await cli(argv, { cwd: dir });
      expect(run.code).toBe(10);
      expect(run.stderr).toBe(
        `error: \`conveyor ${argv[0]}\` needs the transport's admin operations (transport.admin), which the "memory" transport (from conveyor.config.ts) does not have. Configure a transport that has them (the Redis and memory transports do), or pass --redis <url>.\n`,
      );
    }
    expect(config.made.closed).toBe(config.made.count);
    const inspect = await cli(['inspect', waiting, '--json'], { cwd: dir });
    expect(inspect.code).toBe(0);
  });
});

describe('--redis and the environment, against the config', () => {
  it('--redis on the command line wins over the config', async () => {
    const dir = project({ 'conveyor.config.ts': memoryConfig() });
    const run = await cli(['status', '--redis', NOWHERE], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1 /);
    expect((await configModule(dir)).made.count).toBe(0);
  });

  it('so does --prefix (or a --tls-* option): the Redis shorthand, at REDIS_URL', async () => {
    const dir = project({ 'conveyor.config.ts': memoryConfig() });
    const run = await cli(['status', '--prefix', 'shop'], {
      cwd: dir,
      env: { REDIS_URL: NOWHERE },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('check the URL given by REDIS_URL');
    expect(run.stderr).toMatch(
      /^warning: --prefix makes the CLI ignore the transport of conveyor\.config\.ts: it uses Redis at redis:\/\/127\.0\.0\.1:1 \(from REDIS_URL\)/,
    );
  });

  describe('--prefix or a --tls-* option without --redis', () => {
    const redis = usePrivateRedis();

    it('warns on stderr which Redis it uses instead of the config, and where the URL came from', async () => {
      // It went to REDIS_URL, else 127.0.0.1:6379, without a word: another server, maybe.
      const dir = project({ 'conveyor.config.ts': memoryConfig() });
      // The private server's default user has no password, so any password is accepted.
      const url = redis.url.replace('redis://', 'redis://default:hunter2@');
      const masked = url.replace('hunter2', '****');
      const run = await cli(['status', '--prefix', 'shop', '--json'], {
        cwd: dir,
        env: { REDIS_URL: url },
      });
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(
        `warning: --prefix makes the CLI ignore the transport of conveyor.config.ts: it uses Redis at ${masked} (from REDIS_URL), prefix shop. Pass --redis <url> to choose the server.\n`,
      );
      // --json stays JSON: the warning is on stderr.
      expect(json(run)).toMatchObject({ transport: 'redis', redis: masked, prefix: 'shop' });
      expect(`${run.stdout}${run.stderr}`).not.toContain('hunter2');
      expect((await configModule(dir)).made.count).toBe(0);
    });

    it('says nothing with --redis, or without a config transport', async () => {
      const dir = project({ 'conveyor.config.ts': memoryConfig() });
      const chosen = await cli(['status', '--redis', redis.url, '--prefix', 'shop'], { cwd: dir });
      expect(chosen.code).toBe(0);
      expect(chosen.stderr).toBe('');
      const bare = await cli(['status', '--prefix', 'shop'], {
        cwd: project({}),
        env: { REDIS_URL: redis.url },
      });
      expect(bare.code).toBe(0);
      expect(bare.stderr).toBe('');
    });

    // The worker's banner read "transport    redis, from conveyor.config.ts", not which Redis.
    it("the banner's transport line and status say where a config's Redis transport connects", async () => {
      const dir = project({
        'conveyor.config.ts': `import { defineConfig } from '@conveyor/codegen/config';
import { redisTransport } from '@conveyor/redis';

export default defineConfig({
  transport: ({ logger }) => redisTransport({ url: ${JSON.stringify(redis.url)}, prefix: 'banner', logger }),
});
`,
      });
      const config = await configuredTransport(undefined, dir);
      if (!config) throw new Error('the config declares a transport');
      const connection = await open({ kind: 'config', config }, 'command');
      try {
        const { port } = new URL(redis.url);
        expect(describeOrigin(connection)).toBe(
          `redis, from conveyor.config.ts (127.0.0.1:${port}, prefix banner)`,
        );
      } finally {
        await connection.close();
      }
      // status said only "Transport redis, from conveyor.config.ts", its JSON only "config".
      const { port } = new URL(redis.url);
      const where = `127.0.0.1:${port}, prefix banner`;
      const human = await cli(['status'], { cwd: dir });
      expect(human.stdout.split('\n')[0]).toBe(
        `Transport redis, from conveyor.config.ts (${where})`,
      );
      const asJson = await cli(['status', '--json'], { cwd: dir });
      expect(json(asJson)).toMatchObject({
        transport: 'redis',
        config: 'conveyor.config.ts',
        where,
      });
    });

    it('names every such option, and the default URL when REDIS_URL is not set', () => {
      expect(
        bypassWarning('apps/shop/conveyor.config.ts', ['--prefix', '--tls-ca'], {
          url: 'redis://127.0.0.1:6379',
          prefix: 'shop',
          source: 'default',
        }),
      ).toBe(
        'warning: --prefix, --tls-ca make the CLI ignore the transport of apps/shop/conveyor.config.ts: it uses Redis at redis://127.0.0.1:6379 (from the default, as REDIS_URL is not set), prefix shop. Pass --redis <url> to choose the server.',
      );
    });
  });

  it('REDIS_URL alone does not: the config reads the environment itself', async () => {
    const dir = project({ 'conveyor.config.ts': memoryConfig() });
    const run = await cli(['status', '--json'], { cwd: dir, env: { REDIS_URL: NOWHERE } });
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ transport: 'memory' });
  });

  it('a config that declares no transport: the Redis shorthand applies', async () => {
    const dir = project({
      'conveyor.config.ts': `export default { tasks: 'a/*.ts', client: 'c.ts', registry: 'r.ts' };\n`,
    });
    const run = await cli(['status'], { cwd: dir, env: { REDIS_URL: NOWHERE } });
    expect(run.code).toBe(3);
    // It went to REDIS_URL (or the default Redis) without a word.
    const [note, error] = run.stderr.split('\n');
    expect(note).toBe(
      `note: conveyor.config.ts declares no transport: the CLI uses Redis at ${NOWHERE} (from REDIS_URL), prefix conveyor. Give the config a transport, or pass --redis <url> to choose the server.`,
    );
    expect(error).toMatch(/^error: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1 /);
  });

  // The config's text was searched for "transport" and, without it, not run: these three
  // fell back to REDIS_URL's Redis (or localhost's) with nothing said, where a `purge`
  // would have acted on the wrong data.
  it('a config whose transport comes from another module is run, not passed over', async () => {
    const dir = project({
      'base.ts': memoryConfig(),
      'conveyor.config.ts': `import base from './base.ts';\nexport default { ...base };\n`,
    });
    const run = await cli(['status', '--json'], { cwd: dir, env: { REDIS_URL: NOWHERE } });
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ transport: 'memory' });
  });

  it('a config that fails to load, or misspells transport, is CONFIG_INVALID', async () => {
    const broken = project({ 'conveyor.config.ts': `export default {\n` });
    const run = await cli(['status'], { cwd: broken, env: { REDIS_URL: NOWHERE } });
    expect(run.code).toBe(9);
    expect(run.stderr).toMatch(/^error: .*conveyor\.config\.ts/);
    const typo = project({
      'conveyor.config.mjs': `export default { trasnport: () => { throw new Error('never'); } };\n`,
    });
    const misspelt = await cli(['status'], { cwd: typo, env: { REDIS_URL: NOWHERE } });
    expect(misspelt.code).toBe(9);
    expect(misspelt.stderr).toBe(
      'error: Unknown key "trasnport" in conveyor.config.mjs: expected one of tasks, client, registry, importExtension, tsconfig, transport (did you mean "transport"?).\n',
    );
  });
});

describe('a signal while a command connects', () => {
  it('SIGTERM ends it at once, though the connection never answers', async () => {
    // The transport's ready() never settles, as a broker that neither answers nor refuses.
    const dir = project({
      'conveyor.config.mjs': `import { memoryTransport } from '@conveyor/core';
process.stderr.write('config loaded\\n');
export default {
  transport: () =>
    Object.assign(memoryTransport(), {
      ready: () => new Promise(() => {}),
      describe: () => '127.0.0.1:1, prefix conveyor',
    }),
};
`,
    });
    const child = spawnConveyor(['status', '--config', path.join(dir, 'conveyor.config.mjs')]);
    // Before: nothing kept the process alive while it waited, so Node soon exited on its own
    // with code 13 and no word (a flake here when the signal came later than that). Now the
    // wait holds a timer, and says after 3 s what it waits on.
    const late = child.exited.then((exit) => {
      throw new Error(`exited before the signal: code ${exit.code}\n${exit.stderr}`);
    });
    await Promise.race([
      // It said to check that the config's transport function settles: the broker is what to
      // check, where the transport connects.
      child.waitFor(
        'has not connected to 127.0.0.1:1, prefix conveyor. Check that its broker runs there and answers',
      ),
      late,
    ]);
    late.catch(() => {});
    child.child.kill('SIGTERM');
    // Before: the first signal only aborted a signal the connect did not watch, and the
    // command hung until a second one.
    const exit = await child.exited;
    // Ended by the first signal: through the CLI's handler (exit 143), or, seen twice under
    // heavy load and not explained, by the signal itself (code null, signal SIGTERM).
    expect(
      exit.code === 143 || (exit.code === null && exit.signal === 'SIGTERM'),
      `exit ${exit.code}, signal ${exit.signal}\n${exit.stderr}`,
    ).toBe(true);
  });
});

describe('a config the CLI cannot use', () => {
  /** Runs `conveyor status` beside a conveyor.config.ts holding `text`. */
  const status = (text: string, name = 'conveyor.config.ts') =>
    cli(['status'], { cwd: project({ [name]: text }) });

  it("a Cluster that cannot start names the node that refused, not only the startup node's address", async () => {
    // The error the redis transport gives when a Cluster never got ready because one of its
    // masters (found through the startup node, which answers) is down.
    const run = await status(`import { memoryTransport } from '@conveyor/core';
export default {
  transport: () => {
    const transport = memoryTransport();
    const cause = new Error('the Cluster was not ready within 10000 ms (its redisOptions.connectTimeout); 127.0.0.1:7113: connect ECONNREFUSED 127.0.0.1:7113');
    const error = Object.assign(new Error('[conveyor] [redis] ping at the Cluster of 127.0.0.1:7111 failed (CONNECTION): ' + cause.message, { cause }), {
      code: 'TRANSPORT_ERROR', failure: 'CONNECTION', endpoint: 'the Cluster of 127.0.0.1:7111',
    });
    return Object.assign(transport, { ready: () => Promise.reject(error) });
  },
};
`);
    expect(run.code).toBe(3);
    // It said "(ECONNREFUSED)" beside 127.0.0.1:7111, which answered.
    expect(run.stderr).toContain(
      'cannot reach its broker at the Cluster of 127.0.0.1:7111 (ECONNREFUSED from 127.0.0.1:7113, a node of the Cluster: while one of its masters is down, the Cluster answers no command;',
    );
  });

  it('a --config that does not exist is bad usage (exit 2)', async () => {
    const run = await cli(['status', '--config', 'nope.config.ts'], { cwd: project({}) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: Config file "nope\.config\.ts" not found \(looked at .*nope\.config\.ts\)\. Check the --config path\.$/m,
    );
  });

  it('a transport that is not a function is CONFIG_INVALID (exit 9), quoting it', async () => {
    const run = await status(`export default { transport: 'redis://127.0.0.1:6379' };\n`);
    expect(run.code).toBe(9);
    expect(run.stderr).toBe(
      'error: Invalid transport "redis://127.0.0.1:6379" in conveyor.config.ts: expected a function that returns a transport, e.g. transport: ({ logger }) => redisTransport({ url: process.env.REDIS_URL, logger }).\n',
    );
  });

  it('a transport exported by name, with no default export, is CONFIG_INVALID', async () => {
    const run = await status(`export const transport = () => null;\n`);
    expect(run.code).toBe(9);
    expect(run.stderr).toBe(
      'error: conveyor.config.ts has no default export: write `export default defineConfig({ …, transport: ({ logger }) => redisTransport({ url: process.env.REDIS_URL, logger }) })`.\n',
    );
  });

  it('a transport function that returns something else, or throws, is CONFIG_INVALID', async () => {
    const other = await status(
      `export default { transport: () => ({ name: 'fake', close() {} }) };\n`,
    );
    expect(other.code).toBe(9);
    expect(other.stderr).toMatch(
      /^error: The transport function in conveyor\.config\.ts returned an object with name, close, which is not a transport \(no enqueue, reserve, renew, settle, getJob, waitFor, cancel, onCancel\): return one, e\.g\. /,
    );
    // The reason's own closing period is not doubled: "…:6379.. Fix it" before.
    const threw = await status(
      `export default { transport: () => { throw new Error('REDIS_URL is not set.'); } };\n`,
    );
    expect(threw.code).toBe(9);
    expect(threw.stderr).toBe(
      'error: The transport function in conveyor.config.ts threw: REDIS_URL is not set. Fix it, or pass --redis <url> to bypass it.\n',
    );
  });

  it('a config that fails to load is CONFIG_INVALID, naming the file and why', async () => {
    const run = await status(
      `import '@conveyor/no-such-package';\nexport default { transport: () => null };\n`,
      'conveyor.config.mjs',
    );
    expect(run.code).toBe(9);
    expect(run.stderr).toMatch(
      /^error: Cannot load .*conveyor\.config\.mjs: .*@conveyor\/no-such-package.*\. Fix the file, or the import it names\.$/m,
    );
  });

  it('a TypeScript config that does not parse says where and why, not only that it failed', async () => {
    const run = await status('export default {\n  transport: () => (\n};\n', 'conveyor.config.ts');
    expect(run.code).toBe(9);
    // The first line is "Transform failed with 1 error:"; the reason is on a line after it.
    // (In this process vitest's own transform reports it; worker-tasks.test.ts runs the
    // built binary, whose tsx gives esbuild's file, line and column.)
    expect(run.stderr).toMatch(
      /^error: Cannot load .*conveyor\.config\.ts: Transform failed with 1 error: \S.*\. Fix the file/m,
    );
  });

  it('a worker whose config names a registry not generated yet says to run conveyor generate', async () => {
    // It said "not found … Check the path.", while the path was right.
    const dir = project({ 'conveyor.config.ts': memoryConfig() });
    const run = await cli(['worker'], { cwd: dir });
    expect(run.code).toBe(6);
    expect(run.stderr).toBe(
      'error: The registry generated/registry.ts that conveyor.config.ts names does not exist yet: run `conveyor generate` to write it (and again whenever a task changes), or pass --tasks <module>.\n',
    );
  });

  it('a worker on the config transport refuses the Redis-only retention options', async () => {
    const dir = project({ 'conveyor.config.ts': memoryConfig() });
    const run = await cli(['worker', '--tasks', 'x.mjs', '--result-ttl-ms', '1000'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: --result-ttl-ms sets up the Redis transport the CLI makes from --redis, but the transport comes from conveyor\.config\.ts: /,
    );
  });
});
