import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type CapabilityMissingError,
  type ConveyorError,
  createClient,
  defineTask,
  memoryTransport,
} from '../src/index.js';
import type { Transport } from '../src/transport.js';

const restock = defineTask({
  name: 'shop.restock',
  input: z.object({ sku: z.string() }),
  queue: 'warehouse',
  run: () => null,
});

const mail = defineTask({
  name: 'shop.mail',
  input: z.object({ to: z.string() }),
  queue: { name: 'emails', partitions: 3, partitionBy: 'to' },
  run: () => null,
});

const transports: Transport[] = [];
function setup(partitions?: Record<string, number>) {
  const transport = memoryTransport();
  transports.push(transport);
  return { transport, client: createClient({ transport, partitions }) };
}
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});

const reserveOnce = (transport: Transport, queues: string[]) =>
  transport.reserve({ queues, max: 10, leaseMs: 30_000, consumer: 'test' });

describe('client.queues', () => {
  it('pauses a queue so that no reserve leases its jobs, and resumes it', async () => {
    const { transport, client } = setup();
    await client.enqueue(restock, { sku: 'A-1' });
    const paused = await client.queues.pause('warehouse');
    expect(paused).toEqual({ queue: 'warehouse', targets: ['warehouse'], changed: ['warehouse'] });
    expect(await client.queues.isPaused('warehouse')).toBe(true);
    await client.enqueue(restock, { sku: 'A-2' });
    expect(await reserveOnce(transport, ['warehouse'])).toEqual([]);
    expect(await client.queues.counts('warehouse')).toMatchObject({
      queue: 'warehouse',
      waiting: 2,
      paused: true,
    });

    // A second pause changes nothing and says so.
    expect((await client.queues.pause('warehouse')).changed).toEqual([]);
    expect((await client.queues.resume('warehouse')).changed).toEqual(['warehouse']);
    expect(await client.queues.isPaused('warehouse')).toBe(false);
    const leased = await reserveOnce(transport, ['warehouse']);
    expect(leased.map((job) => job.envelope.input)).toEqual([{ sku: 'A-1' }, { sku: 'A-2' }]);
    expect((await client.queues.resume('warehouse')).changed).toEqual([]);
  });

  it('pauses every partition of a partitioned queue, including ones that never held a job', async () => {
    const { transport, client } = setup();
    // One job: one partition stored, the other two not yet.
    await client.enqueue(mail, { to: 'ada@example.com' });
    // Counted before any pause: the partitions, not the plain name that never held a job.
    const before = await client.queues.counts('emails');
    expect(before.partitions?.map((row) => row.queue)).toEqual([
      'emails~0of3',
      'emails~1of3',
      'emails~2of3',
    ]);
    const outcome = await client.queues.pause('emails');
    // The plain name too, though it never held a job: every worker of the queue reads it.
    expect(outcome.targets).toEqual(['emails', 'emails~0of3', 'emails~1of3', 'emails~2of3']);
    expect(outcome.changed).toEqual(outcome.targets);
    expect(await client.queues.isPaused('emails')).toBe(true);

    // A job routed to a partition that was empty at the pause waits too.
    for (const to of ['b@example.com', 'c@example.com', 'd@example.com', 'e@example.com']) {
      await client.enqueue(mail, { to });
    }
    expect(await reserveOnce(transport, outcome.targets)).toEqual([]);
    const counts = await client.queues.counts('emails');
    expect(counts).toMatchObject({ queue: 'emails', waiting: 5, paused: true });
    // Pausing stores the plain name [A13], so it is listed with the partitions.
    expect(counts.partitions?.map((row) => row.queue)).toEqual(outcome.targets);
    expect(counts.partitions?.every((row) => row.paused)).toBe(true);

    // Resuming one partition by its name: the queue is no longer paused as a whole.
    await client.queues.resume('emails~1of3');
    expect(await client.queues.isPaused('emails')).toBe(false);
    expect(await client.queues.isPaused('emails~0of3')).toBe(true);
    await client.queues.resume('emails');
    expect((await reserveOnce(transport, outcome.targets)).length).toBe(5);
  });

  it('pauses the plain name of a partitioned queue that never held a job there: a producer without the partitions waits too', async () => {
    const { transport, client } = setup();
    await client.enqueue(mail, { to: 'ada@example.com' });
    await client.queues.pause('emails');
    // A producer from before the partitions (the task without them) writes to plain `emails`,
    // which every worker of the queue reads.
    const plainMail = defineTask({
      name: 'shop.mail',
      input: z.object({ to: z.string() }),
      queue: 'emails',
      run: () => null,
    });
    await createClient({ transport }).enqueue(plainMail, { to: 'old@example.com' });
    const reading = ['emails', 'emails~0of3', 'emails~1of3', 'emails~2of3'];
    expect(await reserveOnce(transport, reading)).toEqual([]);
    expect(await client.queues.isPaused('emails')).toBe(true);
    const counts = await client.queues.counts('emails');
    expect(counts.partitions?.map((row) => row.queue)).toEqual(reading);
    await client.queues.resume('emails');
    expect((await reserveOnce(transport, reading)).length).toBe(2);
  });

  it('takes the partition count from the client, or the call, before the queue holds a job', async () => {
    const fromClient = setup({ reports: 2 });
    expect((await fromClient.client.queues.pause('reports')).targets).toEqual([
      'reports',
      'reports~0of2',
      'reports~1of2',
    ]);
    const fromCall = setup();
    expect((await fromCall.client.queues.pause('reports', { partitions: 4 })).targets).toEqual([
      'reports',
      'reports~0of4',
      'reports~1of4',
      'reports~2of4',
      'reports~3of4',
    ]);
    expect((await fromCall.client.queues.pause('audit')).targets).toEqual(['audit']);
  });

  it('refuses a bad queue name or partition count with INVALID_OPTION, quoting the value', async () => {
    const { client } = setup();
    await expect(client.queues.pause('emails!')).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('"emails!"'),
    } satisfies Partial<ConveyorError>);
    await expect(client.queues.pause('emails', { partitions: 0 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('partitions of client.queues.pause'),
    });
    await expect(client.queues.isPaused('')).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    // A misspelt option was dropped: the pause went ahead without the partition count.
    await expect(
      // @ts-expect-error misspelt on purpose
      client.queues.pause('emails', { partiton: 8 }),
    ).rejects.toThrow(
      'Invalid client.queues.pause option "partiton": expected one of partitions (did you mean "partitions"?).',
    );
    expect(await client.queues.isPaused('emails')).toBe(false);
  });

  it('names the capability it needs on a transport without admin', async () => {
    const { transport } = setup();
    const bare: Transport = { ...transport, admin: undefined };
    const client = createClient({ transport: bare });
    await expect(client.queues.pause('warehouse')).rejects.toMatchObject({
      code: 'CAPABILITY_MISSING',
      message: expect.stringContaining('client.queues.pause'),
    } satisfies Partial<CapabilityMissingError>);
  });
});
