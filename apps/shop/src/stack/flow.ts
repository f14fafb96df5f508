/**
 * The order story, driven from outside as a user would: orders and a registration over
 * HTTP, then a wait for every job, then a report read back from the real systems.
 */
import { randomUUID } from 'node:crypto';
import type {
  Client,
  JobRecord,
  ScheduleRow,
  WorkflowStepView,
  WorkflowView,
} from '@conveyor/core';
import type { OrderRow } from '../db/orders.js';
import { type Product, stockLevels } from '../db/schema.js';
import type { ReceivedMail } from '../mail/mailbox.js';
import { lowStockReport } from '../tasks/send-low-stock-report.js';
import type { Shipment, WarehouseRequestLog } from '../warehouse/protocol.js';
import { getJson, postJson } from './http.js';
import type { Stack } from './stack.js';

const WAIT_SLICE_MS = 2_000;
const FINAL = new Set(['completed', 'failed', 'dead', 'cancelled', 'expired']);

export interface PlacedOrder {
  orderId: string;
  email: string;
  /** The order's run of the workflow `shop.placeOrder`. */
  workflowId: string;
}

export interface OrderInput {
  email: string;
  name: string;
  items: Array<{ sku: string; quantity: number }>;
}

/**
 * `POST /orders` for each order, in order, each with an `Idempotency-Key` of its own as a
 * careful client sends it (a retry of one would reuse its key); throws unless each answers 202.
 */
export async function placeOrders(
  stack: Stack,
  orders: readonly OrderInput[],
  onPlaced: () => void = () => {},
): Promise<PlacedOrder[]> {
  const placed: PlacedOrder[] = [];
  for (const order of orders) {
    const { status, body } = await postJson<PlacedOrder & { error?: string }>(
      `${stack.apiUrl}/orders`,
      order,
      { 'idempotency-key': `order-${randomUUID()}` },
    );
    if (status !== 202) throw new Error(`POST /orders answered ${status}: ${JSON.stringify(body)}`);
    placed.push({ orderId: body.orderId, email: order.email, workflowId: body.workflowId });
    onPlaced();
  }
  return placed;
}

/** `POST /users`; returns the welcome email's job id. */
export async function registerUser(
  stack: Stack,
  user: { email: string; name: string },
): Promise<{ userId: string; jobId: string }> {
  const { status, body } = await postJson<{ userId: string; jobs: { welcome: string } }>(
    `${stack.apiUrl}/users`,
    user,
  );
  if (status !== 202) throw new Error(`POST /users answered ${status}: ${JSON.stringify(body)}`);
  return { userId: body.userId, jobId: body.jobs.welcome };
}

/**
 * Waits on the transport's finish notifications (in 2-s slices, re-reading the record
 * after each) until every job is final, and returns their records. Throws if one is still running after `timeoutMs`.
 */
export async function waitForJobs(
  client: Client,
  ids: readonly string[],
  timeoutMs: number,
  onFinished: () => void = () => {},
): Promise<Map<string, JobRecord>> {
  const deadline = Date.now() + timeoutMs;
  const records = new Map<string, JobRecord>();
  await Promise.all(
    ids.map(async (id) => {
      for (;;) {
        // Notification-driven waits, in slices: a finish notification that went missing
        // costs at most one slice instead of the whole timeout.
        const slice = Math.max(0, Math.min(WAIT_SLICE_MS, deadline - Date.now()));
        await client
          .job(id)
          .result({ timeout: slice })
          .catch(() => {});
        const record = await client.getJob(id);
        if (record && FINAL.has(record.state)) {
          records.set(id, record);
          onFinished();
          return;
        }
        if (Date.now() >= deadline) {
          throw new Error(
            `job ${id} did not finish within ${timeoutMs} ms (state ${record?.state})`,
          );
        }
      }
    }),
  );
  return records;
}

/** What `GET /orders/:id` answers: the order's row, and its run as `handle.status()` gives it. */
export interface OrderStatusBody {
  order: OrderRow;
  workflow: WorkflowView | null;
}

/** A run's steps in plan order, then its compensations. */
export function stepsOf(run: WorkflowView): WorkflowStepView[] {
  return [...run.stages.flatMap((stage) => stage.steps), ...run.compensations];
}

/** An order's workflow run once it ended, with its step jobs' records by step name. */
export interface OrderRun {
  order: PlacedOrder;
  run: WorkflowView;
  /** Its step jobs' records, by step name. */
  jobs: Map<string, JobRecord>;
}

/**
 * Waits until each order's workflow has ended (`handle.result()` waits on its running
 * steps' jobs, in 2-s slices, re-reading the run's status after each), then reads the
 * records of its step jobs. Throws if a run is still going after `timeoutMs`.
 */
export async function waitForOrders(
  client: Client,
  orders: readonly PlacedOrder[],
  timeoutMs: number,
  onFinished: () => void = () => {},
): Promise<OrderRun[]> {
  const deadline = Date.now() + timeoutMs;
  return Promise.all(
    orders.map(async (order) => {
      const handle = client.workflows.handle(order.workflowId);
      for (;;) {
        const slice = Math.max(0, Math.min(WAIT_SLICE_MS, deadline - Date.now()));
        // Rejects when the run ends other than completed (a rejected order is compensated).
        await handle.result({ timeout: slice }).catch(() => {});
        const run = await handle.status();
        if (run && run.status !== 'running') {
          const steps = stepsOf(run).filter((step) => step.jobId !== undefined);
          const ids = steps.map((step) => step.jobId as string);
          const records = await waitForJobs(client, ids, Math.max(0, deadline - Date.now()));
          const jobs = new Map(
            steps.map((step) => [step.name, records.get(step.jobId as string) as JobRecord]),
          );
          onFinished();
          return { order, run, jobs };
        }
        if (Date.now() >= deadline) {
          throw new Error(
            `the workflow ${order.workflowId} of order ${order.orderId} did not end within ${timeoutMs} ms (status ${run?.status})`,
          );
        }
      }
    }),
  );
}

/** A run-now of the daily low-stock report: its job's record and the email it sent. */
export interface LowStockReportRun {
  /** The schedule as the workers stored it, before the run. */
  schedule: ScheduleRow | undefined;
  jobId: string;
  record: JobRecord;
  /** The report as the mailbox received it; undefined if it never arrived. */
  mail: ReceivedMail | undefined;
}

/**
 * `conveyor schedules run-now shop.lowStockReport`, in code: enqueues one job of the schedule
 * the workers stored (its slots are untouched), waits for it as for the orders' jobs, then
 * reads the report back from the mailbox by its Message-ID.
 */
export async function runLowStockReport(
  stack: Stack,
  timeoutMs: number,
): Promise<LowStockReportRun> {
  const stored = await stack.client.schedules.list();
  const schedule = stored.find((row) => row.id === lowStockReport.id);
  const job = await stack.client.schedules.runNow(lowStockReport.id);
  const records = await waitForJobs(stack.client, [job.id], timeoutMs);
  const record = records.get(job.id) as JobRecord;
  const sent = record.result as { messageId?: string } | undefined;
  const { messages } = await getJson<{ messages: ReceivedMail[] }>(`${stack.mailboxUrl}/messages`);
  const mail = messages.find((message) => message.messageId === sent?.messageId);
  return { schedule, jobId: job.id, record, mail };
}

/**
 * The mail sent to customers: everything but the low-stock reports, which the workers'
 * schedule may also send on its own when a run spans 07:00 in Berlin.
 */
export function customerMail(messages: readonly ReceivedMail[]): ReceivedMail[] {
  return messages.filter((message) => !message.to.includes(lowStockReport.input.to));
}

/** What the real systems hold after the run. */
export interface SystemsReport {
  /** The customers' mail ({@link customerMail}): order confirmations and welcomes. */
  mail: ReceivedMail[];
  stock: Product[];
  shipments: Shipment[];
  warehouseRequests: WarehouseRequestLog[];
}

export async function readSystems(stack: Stack): Promise<SystemsReport> {
  const [mail, shipments, requests, stock] = await Promise.all([
    getJson<{ messages: ReceivedMail[] }>(`${stack.mailboxUrl}/messages`),
    getJson<{ shipments: Shipment[] }>(`${stack.warehouseUrl}/shipments`),
    getJson<{ requests: WarehouseRequestLog[] }>(`${stack.warehouseUrl}/requests`),
    stockLevels(stack.db),
  ]);
  return {
    mail: customerMail(mail.messages),
    stock,
    shipments: shipments.shipments,
    warehouseRequests: requests.requests,
  };
}
