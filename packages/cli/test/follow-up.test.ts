// The commands a message suggests running next (`conveyor retry --all-dead --queue work`)
// carry the options that chose the transport (--redis, --prefix, --config, --tls-*): pasted
// into a shell, they act on the same queues, not on the config's or the default Redis.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Transport } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../src/follow-up.js';
import { buryNext, cli, producer, uniquePrefix, usePrivateRedis } from './helpers.js';
import { memoryProjects } from './memory-project.js';

const redis = usePrivateRedis();
// A space and a quote in every project's path: --config must reach the shell intact.
const projects = memoryProjects("follow up's");

/**
 * The arguments `sh` makes of a suggested command: what a user who pastes it runs. (One
 * shell per call, which is the point: it checks the quoting, not a parser of ours.)
 */
function pasted(command: string | undefined): string[] {
  expect(command).toMatch(/^conveyor /);
  const rest = (command as string).slice('conveyor '.length);
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${rest}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

/** The commands a message suggests, between backquotes. */
const suggested = (text: string): string[] =>
  [...text.matchAll(/`(conveyor [^`]*)`/g)].map((match) => match[1] as string);

/** Enqueues one job on `queue` and runs it into the dead-letter set; answers its id. */
async function deadJob(transport: Transport, queue: string): Promise<string> {
  await transport.enqueue([{ envelope: makeEnvelope(queue, { task: 'cli.plain' }) }]);
  return buryNext(transport, queue);
}

describe('follow-up commands with --redis and --prefix', () => {
  it('dead suggests a retry that, pasted into a shell, retries the same dead job', async () => {
    // A prefix the shell would act on unquoted: a quote, a $ and a semicolon.
    const prefix = `${uniquePrefix()}'s$HOME;x`;
    const env = producer(redis.url, prefix);
    try {
      const id = await deadJob(env.transport, 'work');
      const dead = await cli(['dead', 'work', '--redis', redis.url, '--prefix', prefix]);
      expect(dead.code).toBe(0);
      const quoted = `'${prefix.replace("'", `'\\''`)}'`;
      expect(suggested(dead.stdout)).toEqual([
        `conveyor retry <job-id> --redis ${redis.url} --prefix ${quoted}`,
        `conveyor retry --all-dead --queue work --redis ${redis.url} --prefix ${quoted}`,
      ]);
      const argv = pasted(suggested(dead.stdout)[1]);
      expect(argv).toEqual([
        'retry',
        '--all-dead',
        '--queue',
        'work',
        '--redis',
        redis.url,
        '--prefix',
        prefix,
      ]);
      const retried = await cli([...argv, '--yes']);
      expect(retried.stdout).toBe('Retried 1 dead job of queue work.\n');
      expect((await env.transport.getJob(id))?.state).toBe('waiting');
    } finally {
      await env.close();
    }
  });

  it('every other suggestion carries them too; one from the environment is left to it', async () => {
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    const flags = `--redis ${redis.url} --prefix ${prefix}`;
    const args = ['--redis', redis.url, '--prefix', prefix];
    try {
      const [waiting] = await env.transport.enqueue([
        { envelope: makeEnvelope('work', { task: 'cli.plain' }) },
      ]);
      const id = waiting?.id as string;
      const notDead = await cli(['retry', id, ...args]);
      expect(notDead.code).toBe(7);
      expect(suggested(notDead.stderr)).toEqual([`conveyor inspect ${id} ${flags}`]);

      const missing = await cli(['inspect', 'work:nosuch', ...args]);
      expect(missing.code).toBe(4);
      expect(suggested(missing.stderr)).toEqual([`conveyor dead <queue> ${flags}`]);

      const noId = await cli(['retry', ...args]);
      expect(noId.code).toBe(2);
      expect(suggested(noId.stderr)).toEqual([
        `conveyor retry <job-id> ${flags}`,
        `conveyor retry --all-dead --queue <queue> ${flags}`,
      ]);

      const status = await cli(['status', ...args]);
      expect(suggested(status.stdout)).toEqual([`conveyor worker --tasks <module> ${flags}`]);

      // REDIS_URL is there when the suggestion is pasted too: only --prefix was given.
      const fromEnv = await cli(['status', '--prefix', prefix], { env: { REDIS_URL: redis.url } });
      expect(suggested(fromEnv.stdout)).toEqual([
        `conveyor worker --tasks <module> --prefix ${prefix}`,
      ]);
    } finally {
      await env.close();
    }
  });

  it('shows a --redis password as ****, and says so, never the password', async () => {
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    try {
      await deadJob(env.transport, 'work');
      // The private Redis asks for no password: ioredis goes on without it.
      const url = redis.url.replace('redis://', 'redis://:s3cret@');
      const dead = await cli(['dead', 'work', '--redis', url, '--prefix', prefix]);
      expect(dead.code).toBe(0);
      expect(dead.stdout + dead.stderr).not.toContain('s3cret');
      const masked = `'${url.replace('s3cret', '****')}'`;
      expect(dead.stdout).toContain(
        `\`conveyor retry --all-dead --queue work --redis ${masked} --prefix ${prefix}\` (with the password of --redis in place of ****).`,
      );
    } finally {
      await env.close();
    }
  });
});

describe('follow-up commands with --config', () => {
  it("carry the config's path, quoted, and act on its transport when pasted", async () => {
    const dir = projects('export {};\n');
    const config = path.join(dir, 'conveyor.config.ts');
    const { shared } = (await import(/* @vite-ignore */ pathToFileURL(config).href)) as {
      shared: Transport;
    };
    const id = await deadJob(shared, 'work');
    const dead = await cli(['dead', 'work', '--config', config]);
    expect(dead.code).toBe(0);
    const all = suggested(dead.stdout)[1];
    expect(all).toBe(`conveyor retry --all-dead --queue work --config ${shellQuote(config)}`);
    expect(all).toContain("follow up'\\''s-");
    const argv = pasted(all);
    expect(argv.slice(-2)).toEqual(['--config', config]);
    const retried = await cli([...argv, '--yes']);
    expect(retried.stdout).toBe('Retried 1 dead job of queue work.\n');
    expect((await shared.getJob(id))?.state).toBe('waiting');
  });
});

describe('shellQuote', () => {
  it('leaves plain words alone and quotes what a shell would act on', () => {
    expect(shellQuote('emails~3of8')).toBe('emails~3of8');
    expect(shellQuote('redis://10.0.0.5:6379/2')).toBe('redis://10.0.0.5:6379/2');
    expect(shellQuote('~shop')).toBe("'~shop'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(rm -rf ~)')).toBe("'$(rm -rf ~)'");
    // A control character is written as an escape (bash, zsh): never sent raw to the terminal.
    expect(shellQuote('a\x1b]0;x\x07\u009b')).toBe("$'a\\x1b]0;x\\x07\\u009b'");
  });
});
