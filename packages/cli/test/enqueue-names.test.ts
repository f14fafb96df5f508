// The error for a task name the contracts do not hold lists the names to choose from.

import { fileURLToPath } from 'node:url';
import { defineTask } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  contractNamed,
  type Enqueueable,
  type LoadedContracts,
  loadContracts,
} from '../src/commands/enqueue-contracts.js';

function contracts(names: string[]): LoadedContracts {
  const byName = new Map<string, Enqueueable>();
  for (const name of names) {
    const contract = defineTask({ name, input: z.object({}), run: async () => {} });
    byName.set(name, { kind: 'task', contract });
  }
  return { byName, label: 'src/generated/client.ts' };
}

describe('an unknown task name', () => {
  it('lists every name of a project of up to 20, sorted, so the reader can retype it', () => {
    const names = ['shop.sendOrderConfirmation', 'shop.placeOrder', 'shop.notifyWarehouse'];
    names.push('shop.rejectOrder', 'shop.markOrderFulfilled', 'shop.sendLowStockReport');
    names.push('shop.updateInventory', 'shop.cancelOrder');
    expect(() => contractNamed(contracts(names), 'shop.sendOrderEmail')).toThrow(
      `No task or workflow "shop.sendOrderEmail" in src/generated/client.ts. It has: ${[...names].sort().join(', ')}.`,
    );
  });

  it('names the first 20 of more, and how many there are', () => {
    const names = Array.from({ length: 25 }, (_, i) => `t.task${String(i).padStart(2, '0')}`);
    expect(() => contractNamed(contracts(names), 'nope')).toThrow(
      `It has: ${names.slice(0, 20).join(', ')}, … (25 names).`,
    );
  });
});

describe('a name the module holds otherwise', () => {
  const module = fileURLToPath(new URL('./fixtures/name-clash.ts', import.meta.url));

  // `conveyor enqueue greet` listed app.greet without suggesting it.
  it('suggests the task exported under the name given', async () => {
    const loaded = await loadContracts(module, undefined, process.cwd());
    expect(() => contractNamed(loaded, 'greet')).toThrow(
      'Did you mean "app.greet" (the task exported as greet)?',
    );
  });

  // A task and a workflow both named app.ping: the workflow was started, the task unreachable.
  it('refuses a name both a task and a workflow have, saying to rename the workflow', async () => {
    const loaded = await loadContracts(module, undefined, process.cwd());
    expect(() => contractNamed(loaded, 'app.ping')).toThrow(
      /"app\.ping" in .*name-clash\.ts names both a task and a workflow.*rename the workflow, e\.g\. to "app\.ping\.flow"/,
    );
    expect(contractNamed(loaded, 'app.greet').kind).toBe('task');
    // By the task's export name: it was "the workflow exported as ping", then refused.
    expect(() => contractNamed(loaded, 'ping')).toThrow(
      /"app\.ping" in .* names both a task and a workflow/,
    );
  });
});
