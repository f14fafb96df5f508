import {
  createClient,
  createTaskRegistry,
  InvalidOptionError,
  memoryTransport,
  ValidationError,
} from '@conveyor/core';
import { runJob } from '@conveyor/core/worker';
import { describe, expect, it } from 'vitest';
import {
  chargePayment,
  chargePaymentContract,
  configureConveyor,
  contracts,
  placeOrder,
  placeOrderContract,
  scheduleDelivery,
  sendOrderConfirmation,
} from './fixtures/shop/src/generated/client.js';
import registry, { tasks } from './fixtures/shop/src/generated/registry.js';

// The in-memory transport is enough here: this tests the generated modules, not a broker.
describe('generated client and registry at run time', () => {
  it('refuses to enqueue before a client is configured, saying what to call', () => {
    // bindTask resolves the client when .delay() is called, so this throws at the call.
    expect(() => chargePayment.delay({ orderId: 'o-1', cents: 1 })).toThrow(InvalidOptionError);
    expect(() => chargePayment.delay({ orderId: 'o-1', cents: 1 })).toThrow(
      /configureConveyor\(client\)/,
    );
  });

  it('validates input with the copied schema before enqueueing', async () => {
    const transport = memoryTransport();
    configureConveyor(createClient({ transport }));
    const bad = { orderId: 'o-1', cents: -5 };
    await expect(chargePayment.delay(bad)).rejects.toThrow(ValidationError);
    // The schema imported from order.schema.ts is enforced too (country is 2 letters).
    await expect(
      sendOrderConfirmation.delay({
        orderId: 'o-1',
        email: 'ada@example.com',
        lines: [{ sku: 'tea', quantity: 1 }],
        shipTo: { street: '1 Loop Rd', city: 'Cupertino', country: 'USA' },
      }),
    ).rejects.toThrow(/shipTo\.country/);
    await transport.close();
  });

  it('stamps the fingerprint, routes and indexes by the copied options, and the worker registry runs the job', async () => {
    const transport = memoryTransport();
    const client = createClient({ transport });
    configureConveyor(() => client);
    const handle = await chargePayment.delay({ orderId: 'o-7', cents: 1_250 });
    const record = await client.getJob(handle.id);
    expect(record?.envelope.queue).toBe('payments');
    expect(record?.envelope.priority).toBe(8);
    expect(record?.envelope.schema).toBe(chargePaymentContract.fingerprint);
    // The copied index option: the job can be found by its orderId.
    expect(chargePaymentContract.index).toEqual(['orderId']);
    const found = await transport.admin.findByIndex('payments', {
      task: 'shop.chargePayment',
      field: 'orderId',
      value: 'o-7',
    });
    expect(found.jobs.map((job) => job.id)).toEqual([handle.id]);

    const definition = tasks.find((task) => task.name === 'shop.chargePayment');
    expect(definition?.fingerprint).toBe(record?.envelope.schema);

    const [reservation] = await transport.reserve({
      queues: ['payments'],
      max: 1,
      leaseMs: 5_000,
      consumer: 'test-worker',
    });
    if (!reservation) throw new Error('no job reserved');
    const outcome = await runJob(reservation, {
      registry: createTaskRegistry(tasks),
      signal: new AbortController().signal,
    });
    expect(outcome.settlement.type).toBe('complete');
    await transport.settle([outcome.settlement]);
    const result = await handle.result({ timeout: 1_000 });
    expect(result.chargeId).toBe('ch_o-7');
    await transport.close();
  });

  it('a Date crosses both ways: a Date input arrives at z.date(), a Date result as its string', async () => {
    const transport = memoryTransport();
    configureConveyor(createClient({ transport }));
    const shipAfter = new Date('2030-01-01T00:00:00.000Z');
    const handle = await scheduleDelivery.delay({ orderId: 'o-9', shipAfter });
    const [reservation] = await transport.reserve({
      queues: ['deliveries'],
      max: 1,
      leaseMs: 5_000,
      consumer: 'test-worker',
    });
    if (!reservation) throw new Error('no job reserved');
    const outcome = await runJob(reservation, {
      registry: createTaskRegistry(tasks),
      signal: new AbortController().signal,
    });
    expect(outcome.settlement.type).toBe('complete');
    await transport.settle([outcome.settlement]);
    // The generated type says string (Jsonify), and a string is what arrives.
    const result = await handle.result({ timeout: 1_000 });
    expect(result).toEqual({
      orderId: 'o-9',
      deliverAt: '2030-01-03T00:00:00.000Z',
      slots: [9, 13],
    });
    await transport.close();
  });

  it('exports one contract per task, sorted, matching the registry', () => {
    expect(contracts.map((contract) => contract.name)).toEqual([
      'shop.cancelOrder',
      'shop.chargePayment',
      'shop.scheduleDelivery',
      'shop.sendOrderConfirmation',
      'shop.updateInventory',
    ]);
    expect(registry).toBe(tasks);
    expect(tasks.map((task) => [task.name, task.fingerprint])).toEqual(
      contracts.map((contract) => [contract.name, contract.fingerprint]),
    );
    for (const task of tasks) {
      expect(Object.isFrozen(task)).toBe(true);
      expect(typeof task.run).toBe('function');
    }
  });

  it('starts a workflow through its stub: the input validated, the written plan stored, the first stage enqueued', async () => {
    const transport = memoryTransport();
    configureConveyor(createClient({ transport }));
    const order = {
      orderId: 'o-3',
      email: 'ada@example.com',
      cents: 900,
      lines: [
        { sku: 'tea', quantity: 2 },
        { sku: 'cup', quantity: 1 },
      ],
      shipTo: { street: '1 Loop Rd', city: 'Cupertino', country: 'US' },
    };
    await expect(placeOrder.delay({ ...order, lines: [] })).rejects.toThrow(ValidationError);
    const run = await placeOrder.delay(order);
    const record = await transport.workflows.get(run.id);
    expect(record?.plan).toEqual(placeOrderContract.plan);
    expect(record?.status).toBe('running');
    await transport.close();
  });
});
