import { afterEach, describe, expect, it, vi } from 'vitest';

describe('startRedisCluster', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('fails with a code of its own and what to do when redis-cli cannot be run', async () => {
    vi.stubEnv('REDIS_CLI_BIN', '/nonexistent/redis-cli');
    vi.resetModules();
    const { REDIS_CLI_MISSING, startRedisCluster } = await import('../src/redis-cluster.js');
    const failure = await startRedisCluster({ masters: 1 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ code: REDIS_CLI_MISSING });
    const { message } = failure as Error;
    expect(message).toContain('"/nonexistent/redis-cli" was not found on PATH');
    expect(message).toContain('apt-get install redis-tools');
    expect(message).toContain('REDIS_CLI_BIN');
  });
});
