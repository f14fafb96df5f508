// createDashboard's, toNodeHandler's and registerFastify's options: a misspelt key or a
// mistyped value is INVALID_OPTION at creation, naming it, never ignored (a `readonly: true`
// or `readOnly: 'true'` served a writable dashboard). An actor hook is resolved before a
// mutation runs, so a bad one refuses the action instead of running it unaudited.

import { memoryTransport, type Transport } from '@conveyor/core';
import { afterEach, describe, expect, test } from 'vitest';
import {
  createDashboard,
  DashboardError,
  type DashboardOptions,
  registerFastify,
  toNodeHandler,
} from '../src/index.js';
import { enqueue, login, type Served, serve } from './helpers.js';

const auth = { username: 'ops', password: 'pw' };

function thrown(run: () => unknown): DashboardError {
  try {
    run();
  } catch (error) {
    return error as DashboardError;
  }
  throw new Error('expected it to throw');
}

function create(extra: Record<string, unknown>): DashboardError {
  return thrown(() =>
    createDashboard({ transport: memoryTransport(), auth, ...extra } as DashboardOptions),
  );
}

describe('createDashboard refuses an unknown or mistyped option', () => {
  test.each([
    [
      { readonly: true },
      /^Unknown createDashboard option "readonly" \(did you mean "readOnly"\?\): expected one of transport, auth, authorize, .*, logger\.$/,
    ],
    [{ basepath: '/admin' }, /"basepath" \(did you mean "basePath"\?\)/],
    [{ allowedhosts: ['a.example'] }, /"allowedhosts" \(did you mean "allowedHosts"\?\)/],
    [{ task: [] }, /"task" \(did you mean "tasks"\?\)/],
    [{ readOnly: 'true' }, /Invalid readOnly "true": expected true or false/],
    [{ readOnly: 1 }, /Invalid readOnly 1: expected true or false/],
    [{ redactDefaults: 'false' }, /Invalid redactDefaults "false"/],
    [{ redact: 'card.number' }, /Invalid redact "card.number": .*\["card.number"\]/],
    [{ redact: [1] }, /Invalid redact path 1/],
    [{ authThrottle: { maxfailures: 1 } }, /"maxfailures" \(did you mean "maxFailures"\?\)/],
    [{ authThrottle: true }, /Invalid authThrottle true/],
    [{ authThrottle: { windowMs: '60000' } }, /Invalid authThrottle.windowMs "60000"/],
    [{ pollMs: Number.POSITIVE_INFINITY }, /Invalid pollMs/],
    [{ pollMs: 2 ** 40 }, /Invalid pollMs/],
    [{ maxBodyBytes: '10' }, /Invalid maxBodyBytes "10"/],
    [{ title: 42 }, /Invalid title 42/],
    [{ tasks: [null] }, /Invalid tasks \[null\]/],
    [
      { auth: { ...auth, realm: 'x' } },
      /^Unknown auth key "realm": expected one of username, password\.$/,
    ],
    [{ actor: 'alice' }, /Invalid actor "alice": expected a function \(request\) => string/],
  ])('%j', (extra, message) => {
    const error = create(extra);
    expect(error).toBeInstanceOf(DashboardError);
    expect(error.name).toBe('DashboardError');
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toMatch(message);
  });

  test('a key set to undefined is as if left out', () => {
    expect(() =>
      createDashboard({ transport: memoryTransport(), auth, readOnly: undefined }),
    ).not.toThrow();
  });
});

describe('toNodeHandler and registerFastify refuse an unknown or mistyped option', () => {
  const dashboard = createDashboard({ transport: memoryTransport(), auth });
  test.each([
    [{ trustproxy: true }, /"trustproxy" \(did you mean "trustProxy"\?\)/],
    [{ trustProxy: 'yes' }, /Invalid trustProxy "yes": expected true or false/],
    [{ maxBodyBytes: '10' }, /Invalid maxBodyBytes "10": expected an integer/],
    [{ maxBodyBytes: 0 }, /Invalid maxBodyBytes 0/],
  ])('toNodeHandler %j', (options, message) => {
    const error = thrown(() => toNodeHandler(dashboard, options as never));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toMatch(message);
  });

  test('registerFastify { maxbodybytes }', () => {
    const app = { register: () => {} } as never;
    const error = thrown(() => registerFastify(app, dashboard, { maxbodybytes: 10 } as never));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toMatch(/did you mean "maxBodyBytes"/);
  });
});

describe('the actor hook', () => {
  let served: Served | undefined;
  let transport: Transport;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  async function pauseWith(actor: DashboardOptions['actor']) {
    transport = memoryTransport();
    await enqueue(transport, { queue: 'emails' });
    const logged: string[] = [];
    served = await serve({
      transport,
      actor,
      logger: {
        error: (fields: unknown, message?: string) => {
          logged.push(String(message ?? fields));
        },
      },
    });
    const client = await login(served);
    const response = await client.post('/api/queues/emails/pause');
    const queues = await transport.admin?.queueCounts(['emails']);
    const audit = await transport.admin?.listAudit({ limit: 10 });
    return { response, paused: queues?.[0]?.paused === true, audit: audit ?? [], logged };
  }

  test.each([
    [
      'throws',
      () => {
        throw new Error('no user');
      },
    ],
    ['answers a number', () => 42 as unknown as string],
    ['answers a promise of undefined', async () => undefined as unknown as string],
  ])('that %s refuses the action before it runs', async (_what, actor) => {
    const { response, paused, audit, logged } = await pauseWith(actor);
    expect(response.status).toBe(500);
    expect(logged).toEqual([expect.stringMatching(/actor option/)]);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /actor option .*the action was not run/,
    );
    expect(paused).toBe(false);
    expect(audit).toEqual([]);
  });

  test('that answers a name: the action runs and is audited under it', async () => {
    const { response, paused, audit } = await pauseWith(async () => 'alice');
    expect(response.status).toBe(200);
    expect(paused).toBe(true);
    expect(audit.map((entry) => [entry.action, entry.actor])).toEqual([['queue.pause', 'alice']]);
  });
});
