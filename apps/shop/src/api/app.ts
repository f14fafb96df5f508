/**
 * The shop's HTTP API. Placing an order writes it and starts its workflow
 * (`shop.placeOrder`), then answers 202 at once: the stock update, the shipment, the
 * email and the order's final status happen in workers.
 */
import { randomBytes } from 'node:crypto';
import type { Transport } from '@conveyor/core';
import type { BasicAuthCredentials } from '@conveyor/dashboard';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { findOrder, insertOrder, insertUser, setOrderWorkflow } from '../db/orders.js';
import { stockLevels } from '../db/schema.js';
import type { ShopStubs } from '../producer.js';
import { mountAdmin } from './admin.js';
import { orderParams, placeOrderBody, registerUserBody, validationIssues } from './schemas.js';

export interface ApiOptions {
  db: pg.Pool;
  /** `.delay()` stubs for the shop's tasks and its order workflow. */
  tasks: ShopStubs;
  /** Serves Conveyor's dashboard at `/admin` on this transport, behind these credentials. */
  admin?: { transport: Transport; credentials: BasicAuthCredentials };
}

/**
 * Builds the API (not listening yet).
 *
 * @example
 * const app = buildApi({ db, tasks: useClient(client), admin: { transport, credentials } });
 * await app.listen({ port: 3000 });
 */
export function buildApi({ db, tasks, admin }: ApiOptions): FastifyInstance {
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
    // One workflow per order: stock first, then the shipment and the confirmation, then
    // the order is fulfilled; or rejected, with no shipment. The idempotency key makes a
    // second start for this order (a call retried after a lost answer, say) return the same run.
    const run = await tasks.placeOrder.delay(
      { orderId, email, name, items },
      { idempotencyKey: orderId },
    );
    await setOrderWorkflow(db, orderId, run.id);
    return reply.code(202).send({ orderId, workflowId: run.id });
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
    // handle.status(): the run's stages and each step's state, job id, attempts and error.
    const workflow = order.workflowId
      ? await tasks.placeOrder.handle(order.workflowId).status()
      : null;
    return { order, workflow };
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
