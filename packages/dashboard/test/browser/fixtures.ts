// The browser tests' data: a transport seeded with jobs in every state, dead letters with
// attempt histories, workers and an hour of per-minute metrics. Chromium and the
// served page are browser-page.ts's; the demo's schedules, demo-schedules.ts's.

import {
  type JobError,
  type JsonValue,
  PICKUP_BUCKETS_MS,
  type TaskMinute,
  type Transport,
  type TransportAdmin,
  type TransportMetrics,
  type TransportSchedules,
} from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';

export type Seeded = Transport & {
  admin: TransportAdmin;
  metrics?: TransportMetrics | undefined;
  schedules?: TransportSchedules | undefined;
};

export interface EnqueueSpec {
  task: string;
  input: JsonValue;
  delayMs?: number;
  maxAttempts?: number;
  priority?: number;
  idempotencyKey?: string;
  index?: Record<string, string>;
}

/** Enqueues jobs on `queue`; returns their ids in order. */
export async function enqueue(
  transport: Transport,
  queue: string,
  specs: readonly EnqueueSpec[],
): Promise<string[]> {
  const results = await transport.enqueue(
    specs.map((spec) => ({
      envelope: makeEnvelope(queue, {
        task: spec.task,
        input: spec.input,
        maxAttempts: spec.maxAttempts ?? 3,
        priority: spec.priority ?? 5,
        ...(spec.idempotencyKey ? { idempotencyKey: spec.idempotencyKey } : {}),
        schema: 'a3f09c1e77d2b845',
      }),
      ...(spec.delayMs ? { delayMs: spec.delayMs } : {}),
      ...(spec.index
        ? { index: Object.entries(spec.index).map(([field, value]) => ({ field, value })) }
        : {}),
    })),
  );
  return results.map((r) => r.id);
}

/** Takes the next `max` jobs of `queue` as worker `consumer`. */
async function reserve(transport: Transport, queue: string, max: number, consumer = 'worker-a') {
  return transport.reserve({ queues: [queue], max, leaseMs: 600_000, consumer });
}

/**
 * Runs one attempt of each ready job of `queue` (up to `max`) to the given end: complete
 * with a result, retry (back to waiting), or fail into the dead-letter set.
 */
export async function settleNext(
  transport: Transport,
  queue: string,
  max: number,
  end: { complete: JsonValue } | { retry: JobError } | { dead: JobError },
): Promise<string[]> {
  const held = await reserve(transport, queue, max);
  await transport.settle(
    held.map(({ envelope, token }) =>
      'complete' in end
        ? { type: 'complete' as const, id: envelope.id, token, result: end.complete }
        : 'retry' in end
          ? { type: 'retry' as const, id: envelope.id, token, error: end.retry, delayMs: 0 }
          : { type: 'fail' as const, id: envelope.id, token, error: end.dead, deadLetter: true },
    ),
  );
  return held.map((r) => r.envelope.id);
}

/** Enqueues one job and runs it into the dead-letter set, failing each of its attempts. */
export async function deadJob(
  transport: Transport,
  queue: string,
  spec: EnqueueSpec,
  errors: readonly JobError[],
): Promise<string> {
  const [id] = await enqueue(transport, queue, [{ ...spec, maxAttempts: errors.length }]);
  for (const [i, error] of errors.entries()) {
    await settleNext(
      transport,
      queue,
      1,
      i === errors.length - 1 ? { dead: error } : { retry: error },
    );
  }
  return id as string;
}

function minuteSeries(
  queue: string,
  task: string,
  base: number,
  wave: number,
  failEvery: number,
): TaskMinute[] {
  const now = Math.floor(Date.now() / 60_000);
  const out: TaskMinute[] = [];
  for (let i = 59; i >= 0; i--) {
    const minute = now - i;
    const completed = Math.max(
      0,
      Math.round(base + wave * Math.sin(minute / 6) + ((minute * 7) % 5)),
    );
    const pickup = new Array<number>(PICKUP_BUCKETS_MS.length + 1).fill(0);
    const shift = (minute % 9 === 0 ? 3 : 0) + (task.length % 3);
    for (let b = 0; b < completed; b++) {
      const bucket = Math.min(pickup.length - 1, 2 + shift + (b % 4));
      pickup[bucket] = (pickup[bucket] ?? 0) + 1;
    }
    out.push({
      queue,
      task,
      minute,
      completed,
      failed: minute % failEvery === 0 ? 1 + (minute % 3) : 0,
      retried: minute % (failEvery - 1) === 0 ? 2 : 0,
      pickup,
    });
  }
  return out;
}

export interface Demo {
  /** A dead job with three failed attempts (emails). */
  deadEmail: string;
  /** A dead job of orders, for the retry flow. */
  deadOrder: string;
  completedReport: string;
  activeEmail: string;
}

/**
 * The shop-like demo data the screenshots show: three queues with jobs in every state, dead
 * letters with attempt histories, two live workers and a stale one, and an hour of metrics.
 */
export async function seedDemo(transport: Seeded): Promise<Demo> {
  const timeout = (attempt: number): JobError => ({
    name: 'SmtpError',
    code: 'SMTP_TIMEOUT',
    message: `Connection to smtp.mailhost.internal:587 timed out after 10000 ms (attempt ${attempt})`,
    stack:
      'SmtpError: Connection timed out\n    at Socket.onTimeout (mailer/smtp.ts:88:11)\n    at sendOrderEmail (tasks/emails.ts:41:5)',
  });
  const deadEmail = await deadJob(
    transport,
    'emails',
    {
      task: 'shop.sendOrderEmail',
      input: { orderId: 'ord_10442', to: 'dana@example.com', template: 'order-shipped' },
      idempotencyKey: 'order-email:ord_10442',
      index: { to: 'dana@example.com' },
    },
    [timeout(1), timeout(2), timeout(3)],
  );
  const declined: JobError = {
    name: 'PaymentError',
    code: 'CARD_DECLINED',
    message: 'The card was declined: insufficient funds (decline code 51)',
  };
  const deadOrder = await deadJob(
    transport,
    'orders',
    {
      task: 'shop.chargeOrder',
      input: { orderId: 'ord_10451', customerId: 'cus_8812', amountCents: 12_900, currency: 'EUR' },
      index: { customerId: 'cus_8812' },
    },
    [declined, declined],
  );
  await deadJob(
    transport,
    'orders',
    {
      task: 'shop.chargeOrder',
      input: { orderId: 'ord_10460', customerId: 'cus_1203', amountCents: 4_500, currency: 'EUR' },
      index: { customerId: 'cus_1203' },
    },
    [
      {
        name: 'ValidationError',
        code: 'VALIDATION_FAILED',
        message: 'Input failed validation: amountCents must be positive',
        issues: [{ message: 'Expected a positive number', path: ['amountCents'] }],
      },
    ],
  );

  await enqueue(
    transport,
    'reports',
    Array.from({ length: 12 }, (_, i) => ({
      task: 'shop.dailyReport',
      input: { day: `2025-01-${String(i + 1).padStart(2, '0')}`, format: 'pdf' },
    })),
  );
  const [completedReport] = await settleNext(transport, 'reports', 12, {
    complete: { url: 'reports/daily.pdf', pages: 14, bytes: 182_113 },
  });

  const emails = (n: number, offset = 0): EnqueueSpec[] =>
    Array.from({ length: n }, (_, i) => ({
      task: i % 4 === 3 ? 'shop.weeklyDigest' : 'shop.sendOrderEmail',
      input: {
        orderId: `ord_${10_500 + offset + i}`,
        to: `customer${offset + i}@example.com`,
        template: 'order-confirmed',
      },
      index: { to: `customer${offset + i}@example.com` },
    }));
  await enqueue(transport, 'emails', emails(40));
  await settleNext(transport, 'emails', 25, {
    complete: { messageId: '<20250131.1@mail.example.com>', accepted: true },
  });
  const [activeEmail] = await settleNext(transport, 'emails', 0, { complete: null });
  const held = await reserve(transport, 'emails', 3, 'worker-a');
  await enqueue(
    transport,
    'emails',
    emails(6, 100).map((spec) => ({ ...spec, delayMs: 15 * 60_000 })),
  );

  const orders = Array.from({ length: 18 }, (_, i) => ({
    task: i % 5 === 4 ? 'shop.refundOrder' : 'shop.chargeOrder',
    input: {
      orderId: `ord_${11_000 + i}`,
      customerId: `cus_${2000 + (i % 7)}`,
      amountCents: 1000 + i * 250,
      currency: 'EUR',
    },
    index: { customerId: `cus_${2000 + (i % 7)}` },
  }));
  await enqueue(transport, 'orders', orders);
  await settleNext(transport, 'orders', 10, { complete: { charged: true } });
  const heldOrders = await reserve(transport, 'orders', 2, 'worker-b');

  const worker = (id: string, queues: string[], jobs: typeof held, heartbeatMs: number) => ({
    id,
    hostname: 'shop-worker-1',
    pid: 4100 + id.length,
    queues,
    tasks: ['shop.sendOrderEmail', 'shop.chargeOrder'],
    concurrency: 10,
    state: 'running' as const,
    startedAt: Date.now() - 42 * 60_000,
    heartbeatMs,
    jobs: jobs.map((r) => ({
      id: r.envelope.id,
      task: r.envelope.task,
      attempt: r.envelope.attempt,
      startedAt: Date.now() - 1200,
    })),
    counts: { completed: 1284, failed: 3, retried: 11 },
  });
  await transport.admin.putWorker(worker('worker-a', ['emails', 'reports'], held, 60_000), 600_000);
  await transport.admin.putWorker(worker('worker-b', ['orders'], heldOrders, 60_000), 600_000);
  // Stale at once: its record lives on, but it claims a heartbeat every millisecond.
  await transport.admin.putWorker(
    { ...worker('worker-c', ['orders'], [], 1), hostname: 'shop-worker-2', state: 'stopping' },
    600_000,
  );

  await transport.metrics?.record([
    ...minuteSeries('emails', 'shop.sendOrderEmail', 38, 14, 7),
    ...minuteSeries('emails', 'shop.weeklyDigest', 9, 4, 13),
    ...minuteSeries('orders', 'shop.chargeOrder', 22, 9, 5),
    ...minuteSeries('orders', 'shop.refundOrder', 3, 2, 17),
    ...minuteSeries('reports', 'shop.dailyReport', 2, 1, 23),
  ]);
  return {
    deadEmail,
    deadOrder,
    completedReport: completedReport as string,
    activeEmail: (activeEmail ?? held[0]?.envelope.id) as string,
  };
}
