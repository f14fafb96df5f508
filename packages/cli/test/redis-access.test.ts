import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeEnvelope } from '@conveyor/core/testing';
import { findFreePort, type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../src/connection.js';
import { connectionSettings } from '../src/connection-settings.js';
import { cli, packageDir } from './helpers.js';

// The ways into a Redis that is not open to all: a password (refused credentials get their
// own message and exit code) and TLS with client certificates (a throwaway CA made with
// openssl, and a private redis-server that requires a client certificate).
const run = promisify(execFile);
let dir: string;
let locked: RedisServer;
let tls: RedisServer;
let tlsUrl: string;
const file = (name: string) => path.join(dir, name);

/** A P-256 key and certificate, signed by the CA unless it is the CA. */
async function certificate(name: string, subject: string, extra: string[] = []): Promise<void> {
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${subject}`,
    '-keyout',
    file(`${name}.key`),
    '-out',
    file(`${name}.pem`),
    ...extra,
  ]);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'conveyor-cli-tls-'));
  await certificate('ca', 'Conveyor test CA');
  const signed = ['-CA', file('ca.pem'), '-CAkey', file('ca.key')];
  await Promise.all([
    certificate('server', 'localhost', [
      ...signed,
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]),
    certificate('client', 'conveyor-cli', signed),
  ]);
  const tlsPort = await findFreePort();
  [locked, tls] = await Promise.all([
    startRedis(),
    // The plain port stays open for the helper's start-up PING; the test uses the TLS one.
    startRedis({
      args: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        file('server.pem'),
        '--tls-key-file',
        file('server.key'),
        '--tls-ca-cert-file',
        file('ca.pem'),
        '--tls-auth-clients',
        'yes',
      ],
    }),
  ]);
  tlsUrl = `rediss://127.0.0.1:${tlsPort}`;
  // Locked after start-up: the helper's PING carries no password.
  const admin = new Redis(locked.url);
  await admin.config('SET', 'requirepass', 'right-password');
  admin.disconnect();
});

afterAll(async () => {
  await Promise.all([locked?.stop(), tls?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a Redis with a password', () => {
  it('says the credentials were refused, never printing the password, exit 8', async () => {
    const wrong = locked.url.replace('redis://', 'redis://:wrong-password@');
    const refused = await cli(['status', '--redis', wrong]);
    expect(refused.code).toBe(8);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toEqual([
      `error: Redis at ${wrong.replace('wrong-password', '****')} refused the credentials (WRONGPASS): check the user and password in the URL given by --redis.`,
    ]);

    const user = locked.url.replace('redis://', 'redis://ops:wrong-password@');
    const fromEnv = await cli(['status'], { env: { REDIS_URL: user } });
    expect(fromEnv.code).toBe(8);
    expect(fromEnv.stderr).toContain(
      'check the user "ops" and password in the URL given by REDIS_URL.',
    );
    expect(fromEnv.stderr).not.toContain('wrong-password');

    const none = await cli(['status', '--redis', locked.url]);
    expect(none.code).toBe(8);
    expect(none.stderr).toMatch(
      /^error: Redis at redis:\/\/127\.0\.0\.1:\d+ needs a password \(NOAUTH\): put it in the URL given by --redis/,
    );

    const right = locked.url.replace('redis://', 'redis://:right-password@');
    const ok = await cli(['status', '--redis', right]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });
});

describe('a Redis with a password, through the config transport', () => {
  it('says the credentials were refused and where, not that the broker is unreachable, exit 8', async () => {
    // Under the package, so that the config's imports resolve.
    const project = path.join(packageDir, '.tmp', `auth-${process.pid}`);
    mkdirSync(project, { recursive: true });
    const config = (name: string, url: string) => {
      writeFileSync(
        path.join(project, name),
        `import { defineConfig } from '@conveyor/codegen/config';
import { redisTransport } from '@conveyor/redis';

export default defineConfig({
  tasks: ['tasks/*.ts'],
  client: 'generated/client.ts',
  registry: 'generated/registry.ts',
  transport: ({ logger }) => redisTransport({ url: ${JSON.stringify(url)}, logger }),
});
`,
      );
      return path.join(project, name);
    };
    const host = new URL(locked.url).host;
    const label = (name: string) =>
      path.relative(packageDir, path.join(project, `${name}.config.ts`));
    try {
      const wrong = config(
        'wrong.config.ts',
        locked.url.replace('redis://', 'redis://:wrong-password@'),
      );
      const refused = await cli(['status', '--config', wrong]);
      expect(refused.code).toBe(8);
      expect(refused.stderr.trim().split('\n')).toEqual([
        `error: Redis refused the credentials (WRONGPASS) of the redis transport from ${label('wrong')} (${host}, prefix conveyor): check the user and password in the settings its transport function passes (an environment variable it reads, such as REDIS_URL), or pass --redis <url>.`,
      ]);
      const none = await cli(['status', '--config', config('none.config.ts', locked.url)]);
      expect(none.code).toBe(8);
      expect(none.stderr).toMatch(
        /^error: Redis needs a password \(NOAUTH\), which the redis transport from \S+none\.config\.ts \(127\.0\.0\.1:\d+, prefix conveyor\) did not give: put it in the settings/,
      );
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe('a Redis over TLS that requires a client certificate', () => {
  it('connects with --tls-ca, --tls-cert and --tls-key, or the same from the environment', async () => {
    const withFlags = await cli([
      'status',
      '--json',
      '--redis',
      tlsUrl,
      '--tls-ca',
      file('ca.pem'),
      '--tls-cert',
      file('client.pem'),
      '--tls-key',
      file('client.key'),
    ]);
    expect(withFlags.stderr).toBe('');
    expect(withFlags.code).toBe(0);
    expect(JSON.parse(withFlags.stdout)).toMatchObject({ redis: tlsUrl, queues: [] });

    // The worker's transport (its blocking and subscriber connections too) uses them.
    const settings = connectionSettings(
      {
        redis: tlsUrl,
        tls: { ca: file('ca.pem'), cert: file('client.pem'), key: file('client.key') },
      },
      {},
    );
    const worker = await connect(settings, 'worker');
    try {
      await worker.transport.enqueue([{ envelope: makeEnvelope('cli-tls') }]);
      const [reservation] = await worker.transport.reserve({
        queues: ['cli-tls'],
        max: 1,
        leaseMs: 10_000,
        consumer: 'tls-test',
        waitMs: 1_000,
      });
      expect(reservation?.envelope.queue).toBe('cli-tls');
    } finally {
      await worker.close();
    }

    const fromEnv = await cli(['status'], {
      env: {
        REDIS_URL: tlsUrl,
        CONVEYOR_TLS_CA: file('ca.pem'),
        CONVEYOR_TLS_CERT: file('client.pem'),
        CONVEYOR_TLS_KEY: file('client.key'),
      },
    });
    expect(fromEnv.stderr).toBe('');
    expect(fromEnv.code).toBe(0);
  });

  it('is refused without the client certificate, or without the CA, and says what to check', async () => {
    const noClientCert = await cli(['status', '--redis', tlsUrl, '--tls-ca', file('ca.pem')]);
    expect(noClientCert.code).toBe(3);
    expect(noClientCert.stderr).toContain(`error: Cannot reach Redis at ${tlsUrl} (`);
    expect(noClientCert.stderr).toContain(
      '--tls-cert with --tls-key if the server asks for a client certificate',
    );

    const noCa = await cli([
      'status',
      '--redis',
      tlsUrl,
      '--tls-cert',
      file('client.pem'),
      '--tls-key',
      file('client.key'),
    ]);
    expect(noCa.code).toBe(3);
    expect(noCa.stderr).toMatch(/certificate/);
    expect(noCa.stderr).toContain('--tls-ca (the CA that signed its certificate)');
  });

  it('names the option and the file it cannot use, exit 2', async () => {
    const missing = await cli(['status', '--redis', tlsUrl, '--tls-ca', 'nope/ca.pem']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'error: Cannot read the CA certificate (PEM) file "nope/ca.pem" given by --tls-ca (ENOENT): give the path of a file this user can read.\n',
    );

    const notAKey = await cli(['status'], {
      env: {
        REDIS_URL: tlsUrl,
        CONVEYOR_TLS_CERT: file('client.pem'),
        CONVEYOR_TLS_KEY: file('client.pem'),
      },
    });
    expect(notAKey.code).toBe(2);
    expect(notAKey.stderr).toContain(
      `error: The file "${file('client.pem')}" given by CONVEYOR_TLS_KEY is not a client private key (PEM)`,
    );

    // `--tls-ca "$CA"` with CA unset: TLS went on without the CA it was meant to pin.
    for (const flag of ['--tls-ca', '--tls-servername']) {
      const empty = await cli(['status', '--redis', tlsUrl, flag, '']);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toMatch(new RegExp(`^error: ${flag} is empty: give `));
    }

    const half = await cli(['status', '--redis', tlsUrl, '--tls-cert', file('client.pem')]);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/^error: --tls-cert needs --tls-key too/);

    const plain = await cli(['status', '--redis', tls.url, '--tls-ca', file('ca.pem')]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(
      /^error: --tls-ca needs a TLS connection, but the URL given by --redis is redis:\/\/.*: use a rediss:\/\/ URL/,
    );
  });
});
