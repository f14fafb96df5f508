// The reserver's handling of queues whose reserve fails in passing (their Cluster master
// down), with fake calls: which queues a reserve over several still calls on its path.
import { afterEach, expect, it, vi } from 'vitest';
import { createReserver, type ReserveDeps } from '../src/reserve.js';

const WAIT = { timeout: 30_000 };

afterEach(() => {
  vi.useRealTimers();
});

function setUp(server: Record<string, string>, failApart = true) {
  let down = true;
  const calls: string[] = [];
  const probes: string[] = [];
  const reports: string[] = [];
  const failure = () => new Error('CLUSTERDOWN The cluster is down');
  const deps: ReserveDeps = {
    async reserveScript(queue) {
      calls.push(queue);
      if (down && server[queue] === 'down') throw failure();
      return [Date.now(), -1, Date.now() + 60_000];
    },
    async probe(queue) {
      probes.push(queue);
      if (down) throw failure();
    },
    serverOf: (queue) => server[queue],
    failApart,
    failingQueues: {
      onFailing: (queue) => reports.push(`failing ${queue}`),
      onWorksAgain: (queue) => reports.push(`again ${queue}`),
    },
    deadLetter: async () => {},
    waitForMarker: async () => undefined,
    release: async () => {},
    releaseCall: async () => {},
    isClosed: () => false,
  };
  const reserve = createReserver(deps);
  const request = { queues: Object.keys(server), max: 10, leaseMs: 60_000, consumer: 'c' };
  return {
    calls,
    probes,
    reports,
    reserve: () => reserve(request),
    reserveOf: (queues: string[]) => reserve({ ...request, queues }),
    recover() {
      down = false;
    },
  };
}

it('leaves a failing queue, and the others on its server, off the reserve path until a probe answers', async () => {
  // A reserve on a down master fails after about a second of redirections; trying each
  // failing queue again on the path every second slowed the healthy partitions about 85×.
  vi.useFakeTimers({ toFake: ['Date'] });
  const { calls, probes, reserve, recover } = setUp({
    'q~0of3': 'up',
    'q~1of3': 'down',
    'q~2of3': 'down',
  });
  await reserve();
  // The second down queue shares the first one's server: it is not called at all.
  expect(calls).toEqual(['q~0of3', 'q~1of3']);
  for (let n = 0; n < 5; n++) {
    vi.setSystemTime(Date.now() + 2_000);
    calls.length = 0;
    await reserve();
    expect(calls).toEqual(['q~0of3']);
  }
  // One probe per server per second, sent beside the reserves, not on their path.
  expect(probes.length).toBeGreaterThanOrEqual(4);
  expect(new Set(probes)).toEqual(new Set(['q~1of3']));
  recover();
  await vi.waitFor(async () => {
    vi.setSystemTime(Date.now() + 2_000);
    calls.length = 0;
    await reserve();
    expect(calls).toEqual(['q~0of3', 'q~1of3', 'q~2of3']);
  }, WAIT);
});

it('fails at once while every queue is failing, and reads them again once their probe answers', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const { calls, reserve, recover } = setUp({ a: 'down', b: 'down' });
  await expect(reserve()).rejects.toThrow('CLUSTERDOWN');
  expect(calls).toEqual(['a']);
  calls.length = 0;
  await expect(reserve()).rejects.toThrow('CLUSTERDOWN');
  expect(calls).toEqual([]);
  recover();
  await vi.waitFor(async () => {
    vi.setSystemTime(Date.now() + 2_000);
    await reserve();
  }, WAIT);
  expect(calls).toEqual(['a', 'b']);
});

it('on standalone Redis fails at the first queue whose connection fails, with no line per queue', async () => {
  // Each of a worker's queues logged "failed: the other queues go on" and, 30 s later, "if its
  // Cluster master is down, start it", with every queue down and no Cluster.
  const { calls, reports, reserve } = setUp({ a: 'up', b: 'down', c: 'down' }, false);
  await expect(reserve()).rejects.toThrow('CLUSTERDOWN');
  expect(calls).toEqual(['a', 'b']);
  expect(reports).toEqual([]);
});

it('a reserve of one queue that answers ends its outage, and a probe alone does not', async () => {
  // The outage was cleared by probes only, sent by reserves over several queues: a worker of
  // that one queue kept it failing, and its wait on no queue at all spun.
  vi.useFakeTimers({ toFake: ['Date'] });
  const { calls, reports, reserve, recover, reserveOf } = setUp({ a: 'up', b: 'down' });
  await reserve();
  expect(reports).toEqual(['failing b']);
  recover();
  vi.setSystemTime(Date.now() + 2_000);
  calls.length = 0;
  await reserveOf(['b']);
  expect(calls).toEqual(['b']);
  expect(reports).toEqual(['failing b', 'again b']);
});
