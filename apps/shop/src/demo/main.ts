/**
 * `pnpm demo`: the Celery guide's shop, end to end, with real parts. Starts Redis (or
 * falls back to the in-memory broker), the mailbox, the warehouse, PostgreSQL (PGlite
 * unless DATABASE_URL is set), the API and two workers; places orders over HTTP, each
 * starting its workflow; waits until every order is fulfilled or rejected; prints what the
 * real systems recorded; runs the daily low-stock report
 * now and prints the email it sent; sends an announcement to every customer (one job each,
 * enqueued in batches) and sends it again with the same key; stops everything it started.
 *
 * `pnpm demo --keep` leaves the whole stack running after the run, so one can click around
 * the API and the dashboard, until Ctrl-C (or SIGTERM) stops it all.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JobRecord } from '@conveyor/core';
import { ADMIN_AUTH_ENV, type AdminCredentials } from '../api/admin.js';
import { findOrders } from '../db/orders.js';
import { stockLevels } from '../db/schema.js';
import { useClient } from '../producer.js';
import { runAnnouncement } from '../stack/announce.js';
import { type Broker, chooseBroker, describeBroker } from '../stack/broker.js';
import {
  type OrderStatusBody,
  type PlacedOrder,
  placeOrders,
  readSystems,
  registerUser,
  runLowStockReport,
  stepsOf,
  waitForJobs,
  waitForOrders,
} from '../stack/flow.js';
import { getJson } from '../stack/http.js';
import { type Stack, startStack } from '../stack/stack.js';
import { printAnnouncement } from './announcement.js';
import { createProgress } from './progress.js';
import { printLowStockReport } from './report.js';
import { demoOrders, demoUser, PRODUCTS } from './scenario.js';
import { printSummary } from './summary.js';

const ORDER_COUNT = 12;
const write = (line: string) => process.stdout.write(`${line}\n`);

const USAGE = `Usage: pnpm demo [--keep]

Runs the shop end to end: Redis, an SMTP mailbox, the database, the warehouse service, the
API with the dashboard at /admin, and two workers; places ${ORDER_COUNT} orders, each run as a
workflow (stock, then shipment and confirmation, then fulfilled; or rejected for lack of
stock), and shows what each did.
Then it runs the daily low-stock report (scheduled for 07:00 Europe/Berlin) at once, and prints
the email it sent, and emails an announcement to every customer, one job each, enqueued in
batches.

  --keep   leave the whole stack running afterwards, until Ctrl-C
  --help   show this help`;

let keep = false;
try {
  const { values } = parseArgs({
    options: { keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    write(USAGE);
    process.exit(0);
  }
  keep = values.keep ?? false;
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}

const logDir = await mkdtemp(join(tmpdir(), 'conveyor-shop-demo-'));
let broker: Broker | undefined;
let stack: Stack | undefined;
let cleaning: Promise<void> | undefined;
const cleanUp = () => {
  cleaning ??= (async () => {
    await stack?.stop();
    await broker?.stop();
  })();
  return cleaning;
};
/** Set while `--keep` holds the stack up: the first signal ends that wait. */
let release: (() => void) | undefined;
let stopping = false;
const stopOn = (why: string) => {
  if (stopping) {
    write(`${why} again: stopping at once.`);
    process.exit(130);
  }
  stopping = true;
  write(`\n${why}: stopping everything… (again to stop at once)`);
  if (release) release();
  else void cleanUp().finally(() => process.exit(130));
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stopOn(signal));
// Started by launch.mjs: the channel closes if it dies. It must not keep the demo alive.
process.on('disconnect', () => stopOn('the launcher exited'));
process.channel?.unref();

let exitCode = 0;
try {
  write("Conveyor shop demo: the Celery guide's order story, with real parts\n");
  broker = await chooseBroker();
  write(`Broker: ${describeBroker(broker)}`);
  const started = Date.now();
  stack = await startStack({
    broker,
    databaseUrl: process.env.DATABASE_URL,
    products: PRODUCTS,
    warehouse: { failEvery: 3, failMode: 'after-commit' },
    logDir,
    onStarted: (part, detail) => write(`  ✓ ${part.padEnd(13)} ${detail}`),
  });
  write(`  ✓ ${'dashboard'.padEnd(13)} ${stack.adminUrl} (${credentialsHint(stack.admin)})`);
  // The directory goes at the end of a run that went well, unless KEEP_LOGS=1 keeps it.
  const logsFate = process.env.KEEP_LOGS
    ? 'kept'
    : 'removed at the end unless something fails; KEEP_LOGS=1 keeps them';
  write(
    `Everything up in ${((Date.now() - started) / 1000).toFixed(1)} s; logs in ${logDir} (${logsFate})\n`,
  );

  const stockBefore = await stockLevels(stack.db);
  const user = demoUser();
  const welcome = await registerUser(stack, user);
  write(`POST /users     ${user.email} → 202, welcome email job ${welcome.jobId}`);
  const placing = createProgress('POST /orders', ORDER_COUNT);
  const placed = await placeOrders(stack, demoOrders(ORDER_COUNT), () => placing.tick());
  placing.done();

  const waitStarted = Date.now();
  const settling = createProgress('orders settled', placed.length);
  const runs = await waitForOrders(stack.client, placed, 45_000, () => settling.tick());
  settling.done();
  write(
    `  every order's workflow ended ${((Date.now() - waitStarted) / 1000).toFixed(1)} s after the last order`,
  );

  // A careless producer enqueues the first order's stock update and shipment again, after
  // its workflow fulfilled it. The tasks are idempotent: neither stock nor shipments change.
  const first = placed[0];
  const firstItems = demoOrders(ORDER_COUNT)[0]?.items ?? [];
  const stubs = useClient(stack.client);
  const duplicates = first
    ? [
        (await stubs.updateInventory.delay({ orderId: first.orderId, items: firstItems })).id,
        (
          await stubs.notifyWarehouse.delay({
            orderId: first.orderId,
            email: first.email,
            items: firstItems,
          })
        ).id,
      ]
    : [];
  const stepJobs = runs.flatMap((run) => [...run.jobs.values()].map((record) => record.id));
  const records: Map<string, JobRecord> = await waitForJobs(
    stack.client,
    [welcome.jobId, ...stepJobs, ...duplicates],
    45_000,
  );

  // Step 6 of the guide, monitoring: the API reports an order's status and its workflow's steps.
  for (const order of [placed[0], placed.at(-1)]) {
    if (!order) continue;
    const status = await getJson<OrderStatusBody>(`${stack.apiUrl}/orders/${order.orderId}`);
    const steps =
      status.workflow &&
      stepsOf(status.workflow).map(
        (step) =>
          `${step.name} ${step.state}${step.attempts ? ` (${step.attempts.attempts})` : ''}`,
      );
    write(
      `\nGET /orders/${order.orderId} → ${status.order.status}; workflow ${status.workflow?.status}: ${steps?.join(', ')}`,
    );
  }

  const systems = await readSystems(stack);
  const problems = printSummary(
    {
      runs,
      orders: await findOrders(
        stack.db,
        placed.map((order) => order.orderId),
      ),
      welcome: { email: user.email, jobId: welcome.jobId },
      duplicates,
      records,
      stockBefore,
      systems,
    },
    write,
  );

  // The daily 07:00 report (celery beat's job), run now rather than waiting for the morning.
  const report = await runLowStockReport(stack, 30_000);
  problems.push(...printLowStockReport(report, systems.stock, write));
  // The guide's best practices, task batching and result expiry: one email to every customer.
  problems.push(...printAnnouncement(await runAnnouncement(stack, 30_000), write));
  if (problems.length > 0) {
    exitCode = 1;
    write('\nSomething is wrong:');
    for (const problem of problems) write(`  ✗ ${problem}`);
  } else {
    write(
      `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Try it yourself: see apps/shop/README.md.`,
    );
  }
  if (keep) {
    printKeepHints(stack, broker, placed.at(-1));
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  } else {
    write('`pnpm demo --keep` leaves everything running afterwards, the dashboard too.');
  }
} catch (error) {
  exitCode = 1;
  console.error(`\nThe demo failed: ${(error as Error).stack ?? error}\nLogs: ${logDir}`);
} finally {
  await cleanUp();
  // Logs are kept when something failed, or on request (KEEP_LOGS=1).
  if (exitCode === 0 && !process.env.KEEP_LOGS) await rm(logDir, { recursive: true, force: true });
  else write(`Logs kept in ${logDir}`);
  if (keep) write('Stopped everything.');
}
process.exit(exitCode);

/** What is still running with `--keep`, and how to reach it. */
function printKeepHints(running: Stack, from: Broker, refused: PlacedOrder | undefined): void {
  write('\nEverything keeps running (--keep):');
  write(`  dashboard  ${running.adminUrl} (${credentialsHint(running.admin)})`);
  write(`  API        ${running.apiUrl}/products, ${running.apiUrl}/orders/<id>`);
  if (refused) {
    write(`  refused    ${running.apiUrl}/orders/${refused.orderId}`);
    write(`             ${running.adminUrl}/workflows/${refused.workflowId}`);
  }
  write(`  mailbox    ${running.mailboxUrl}/messages`);
  write(`  warehouse  ${running.warehouseUrl}/shipments`);
  if (from.mode !== 'memory') {
    const target = `--redis ${from.url} --prefix ${from.prefix}`;
    write(`  status     pnpm --filter @conveyor/cli conveyor status ${target}`);
    write(`  schedules  pnpm --filter @conveyor/cli conveyor schedules ${target}`);
    if (refused) {
      write(
        `  workflow   pnpm --filter @conveyor/cli conveyor inspect ${refused.workflowId} ${target}`,
      );
      // The refused order's stock step is the run's failed job.
      write(
        `  failed     pnpm --filter @conveyor/cli conveyor jobs inventory --state failed ${target}`,
      );
    }
  }
  write('Ctrl-C stops everything.');
}

/** How to log in to /admin: the password made up for this run, or where it was set. */
function credentialsHint(admin: AdminCredentials): string {
  return admin.generated
    ? `user ${admin.username}, password ${admin.password}: made up for this run; ${ADMIN_AUTH_ENV}=user:password sets them`
    : `the user and password in ${ADMIN_AUTH_ENV}`;
}
