/**
 * The shop's HTTP API. Placing an order writes it and enqueues its three jobs, then
 * answers 202 at once: the email, the stock update and the shipment happen in workers.
 */
import { randomBytes } from 'node:crypto';
import type { Client, JobRecord, Transport } from '@conveyor/core';
import type { BasicAuthCredentials } from '@conveyor/dashboard';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { findOrder, insertOrder, insertUser, setOrderJobs } from '../db/orders.js';
import { stockLevels } from '../db/schema.js';
import type { ShopStubs } from '../producer.js';
import { mountAdmin } from './admin.js';
import { orderParams, placeOrderBody, registerUserBody, validationIssues } from './schemas.js';

export interface ApiOptions {
  db: pg.Pool;
  /** Reads job states for `GET /orders/:id`. */
  client: Client;
  /** `.delay()` stubs for the shop's tasks. */
  tasks: ShopStubs;
  /** Serves Conveyor's dashboard at `/admin` on this transport, behind these credentials. */
  admin?: { transport: Transport; credentials: BasicAuthCredentials };
}

/**
 * Builds the API (not listening yet).
 *
 * @example
 * const app = buildApi({ db, client, tasks: useClient(client), admin: { transport, credentials } });
 * await app.listen({ port: 3000 });
 */
export function buildApi({ db, client, tasks, admin }: ApiOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  if (admin) mountAdmin(app, admin.transport, admin.credentials);

  // Malformed JSON and the like: the same 400 shape as a schema failure.
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    return reply.code(status).send({
      error: status === 500 ? 'internal_error' : 'bad_request',
      message: error.message,
    });
  });

  app.post('/orders', async (request, reply) => {
    const parsed = placeOrderBody.safeParse(request.body);
    if (!parsed.success) {
      return reply
        .code(400)
        .send({ error: 'invalid_order', issues: validationIssues(parsed.error) });
    }
    const { email, name, items } = parsed.data;
    const orderId = `ord_${randomBytes(6).toString('hex')}`;
    await insertOrder(db, { id: orderId, email, name, items });
    // Three independent jobs on three queues. The idempotency keys make a repeated
    // enqueue for this order (a retried request handler, say) return the same jobs.
    const [confirmation, inventory, warehouse] = await Promise.all([
      tasks.sendOrderConfirmation.enqueue(
        { orderId, email, name, items },
        { idempotencyKey: `${orderId}:confirmation` },
      ),
      tasks.updateInventory.enqueue({ orderId, items }, { idempotencyKey: `${orderId}:inventory` }),
      tasks.notifyWarehouse.enqueue(
        { orderId, email, items },
        { idempotencyKey: `${orderId}:warehouse` },
      ),
    ]);
    const jobs = {
      confirmation: confirmation.id,
      inventory: inventory.id,
      warehouse: warehouse.id,
    };
    await setOrderJobs(db, orderId, jobs);
    return reply.code(202).send({ orderId, jobs });
  });

  app.get('/orders/:id', async (request, reply) => {
    const params = orderParams.safeParse(request.params);
    if (!params.success) {
      return reply
        .code(400)
        .send({ error: 'invalid_order_id', issues: validationIssues(params.error) });
    }
    const order = await findOrder(db, params.data.id);
    if (!order) {
      return reply
        .code(404)
        .send({ error: 'order_not_found', message: `No order ${JSON.stringify(params.data.id)}` });
    }
    const jobs = Object.entries(order.jobs ?? {});
    const records = await Promise.all(jobs.map(([, id]) => client.getJob(id)));
    return {
      order,
      tasks: jobs.map(([role, id], index) => describeJob(role, id, records[index] ?? null)),
    };
  });

  app.post('/users', async (request, reply) => {
    const parsed = registerUserBody.safeParse(request.body);
    if (!parsed.success) {
      return reply
        .code(400)
        .send({ error: 'invalid_user', issues: validationIssues(parsed.error) });
    }
    const userId = `usr_${randomBytes(6).toString('hex')}`;
    const { email, name } = parsed.data;
    if (!(await insertUser(db, { id: userId, email, name }))) {
      return reply
        .code(409)
        .send({ error: 'email_taken', message: `${JSON.stringify(email)} is already registered` });
    }
    const job = await tasks.sendWelcomeEmail.delay({ userId, email, name });
    return reply.code(202).send({ userId, jobs: { welcome: job.id } });
  });

  app.get('/products', async () => ({ products: await stockLevels(db) }));
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}

function describeJob(role: string, id: string, record: JobRecord | null) {
  if (!record) return { role, jobId: id, state: 'unknown' as const };
  return {
    role,
    jobId: id,
    task: record.envelope.task,
    state: record.state,
    attempts: record.attempts,
    ...(record.result !== undefined && { result: record.result }),
    ...(record.error && { error: record.error.message }),
  };
}
