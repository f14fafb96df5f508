import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  defineTask,
  defineWorkflow,
  type JsonValue,
  memoryTransport,
  newWorkflowId,
  type StepAddress,
  type StepOutcome,
  type Transport,
  workflowPlan,
} from '@conveyor/core';
import type { ManualClock } from '@conveyor/core/testing';
import { applyWorkflowEffects, enqueueMapChildren } from '@conveyor/core/worker';
import { afterAll } from 'vitest';
import { z } from 'zod';
import { cli, packageDir } from './helpers.js';
import { writeClient } from './memory-project.js';

// Projects for the workflow commands' tests, in-process on a memory transport that a config
// file hands the CLI (as schedules.test.ts does). Workflows are started and moved by hand,
// as a worker would: start, claim, record, applyWorkflowEffects.

const Order = z.object({ orderId: z.string() });
const reserve = defineTask({
  name: 'shop.reserve',
  input: Order,
  queue: 'inventory',
  retry: { attempts: 4 },
  run: () => ({ ok: true }),
});
const ship = defineTask({ name: 'shop.ship', input: Order, run: () => ({ id: 's' }) });
const charge = defineTask({
  name: 'shop.charge',
  input: z.object({ sku: z.string() }),
  run: () => 1,
});
export const placeOrder = defineWorkflow({
  name: 'shop.placeOrder',
  input: z.object({ orderId: z.string(), skus: z.array(z.string()) }),
  steps: (flow) =>
    flow
      .step('reserve', reserve, { input: (_, order) => ({ orderId: order.orderId }) })
      .parallel({ ship: { task: ship, input: (_, order) => ({ orderId: order.orderId }) } })
      .map('charge', charge, { items: (_, order) => order.skus.map((sku) => ({ sku })) }),
});

const refund = defineTask({ name: 'shop.refund', input: Order, run: () => 'refunded' });
/** One step whose failure runs a compensation, `reject` (for a compensation that fails too). */
export const chargeOrder = defineWorkflow({
  name: 'shop.chargeOrder',
  input: Order,
  steps: (flow) =>
    flow
      .step('charge', reserve, {
        input: (_, order) => ({ orderId: order.orderId }),
        onFailure: { compensate: 'reject' },
      })
      .compensation('reject', refund, { input: (_, order) => ({ orderId: order.orderId }) }),
});

/**
 * Makes projects (each a config and one started `placeOrder` workflow) under the package's
 * .tmp, so that their imports resolve through its node_modules; removed after the file's tests.
 */
export function workflowProjects(name: string) {
  const root = path.join(packageDir, '.tmp', `${name}-${process.pid}`);
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  /** A project whose config's transport is `box.transport`, without the members in `hide`. */
  return async (hide: string[] = [], clock?: ManualClock) => {
    const dir = path.join(root, randomBytes(4).toString('hex'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'conveyor.config.ts'),
      `import { defineConfig } from '@conveyor/codegen/config';

export const box = { transport: undefined };

export default defineConfig({
  tasks: ['tasks/*.ts'],
  client: 'generated/client.ts',
  registry: 'generated/registry.ts',
  transport: () =>
    new Proxy(box.transport, {
      get: (target, key) =>
        ${JSON.stringify(hide)}.includes(key)
          ? undefined
          : key === 'close'
            ? async () => {}
            : Reflect.get(target, key),
    }),
});
`,
    );
    // As `conveyor generate` leaves a project: read commands load the client for the fields
    // its schemas mark (schema-marks.ts), and note its absence.
    writeClient(dir, [
      { name: 'shop.reserve', queue: 'orders', input: 'z.object({ orderId: z.string() })' },
    ]);
    const url = pathToFileURL(path.join(dir, 'conveyor.config.ts')).href;
    const { box } = (await import(/* @vite-ignore */ url)) as { box: { transport?: Transport } };
    const transport = memoryTransport(clock ? { clock } : {});
    box.transport = transport;
    const { workflows } = transport;
    const id = newWorkflowId();
    const started = await workflows.start({
      id,
      plan: workflowPlan(placeOrder),
      input: { orderId: 'o-1', skus: ['a', 'b', 'c'] },
    });
    await applyWorkflowEffects(transport, id, started);
    /** Runs a step by hand: its job reserved and settled is not needed, only the workflow's record. */
    const settle = async (address: StepAddress, outcome: StepOutcome) => {
      await workflows.claim(id, address);
      await applyWorkflowEffects(transport, id, await workflows.record(id, address, outcome));
    };
    /** Runs the map's expand job by hand: `expand`, then its children enqueued. */
    const expand = async (items: JsonValue[]) => {
      const expanded = await workflows.expand(id, 'charge', items, 10_000);
      await applyWorkflowEffects(transport, id, expanded);
      const { children } = expanded;
      const plan = workflowPlan(placeOrder);
      if (children) await enqueueMapChildren(transport, id, plan, 'charge', items, children);
    };
    const run = (argv: string[]) => cli(argv, { cwd: dir });
    return { transport, workflows, id, settle, expand, run };
  };
}

/** A step's failed outcome: an `Error` with `message`, and `code` when given. */
export const failure = (message: string, code?: string): StepOutcome => ({
  ok: false,
  error: { name: 'Error', message, ...(code === undefined ? {} : { code }) },
});
