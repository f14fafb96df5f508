import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Client, createClient } from '../src/client.js';
import { memoryTransport } from '../src/memory/index.js';
import { defineTask } from '../src/task.js';
import type { Transport } from '../src/transport.js';

const sendEmail = defineTask({
  name: 'promote.sendEmail',
  queue: 'emails',
  input: z.object({ to: z.string() }),
  run: () => null,
});

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function client(transport: Transport = memoryTransport()): Client {
  const made = createClient({ transport });
  clients.push(made);
  return made;
}

describe('job.promote()', () => {
  it('runs a delayed job now: it is waiting, and says so once', async () => {
    const shop = client();
    const handle = await shop.enqueue(sendEmail, { to: 'a@example.com' }, { delay: 3_600_000 });
    expect(await handle.status()).toBe('delayed');
    expect(await handle.promote()).toBe(true);
    const record = await handle.info();
    expect(record?.state).toBe('waiting');
    expect(record?.dueAt).toBeUndefined();
    expect(await handle.promote()).toBe(false);
    expect(await shop.job(handle.id).promote()).toBe(false);
  });

  it('is false for a waiting job and for an unknown one', async () => {
    const shop = client();
    const waiting = await shop.enqueue(sendEmail, { to: 'b@example.com' });
    expect(await waiting.promote()).toBe(false);
    expect(await waiting.status()).toBe('waiting');
    expect(await shop.job('emails:missing').promote()).toBe(false);
  });

  it('is CAPABILITY_MISSING on a transport without admin', async () => {
    const shop = client({ ...memoryTransport(), admin: undefined });
    const handle = await shop.enqueue(sendEmail, { to: 'c@example.com' }, { delay: 60_000 });
    await expect(handle.promote()).rejects.toMatchObject({ code: 'CAPABILITY_MISSING' });
  });
});
