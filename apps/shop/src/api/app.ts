/**
 * The shop's HTTP API. Placing an order writes it and starts its workflow
 * (`shop.placeOrder`), then answers 202 at once: the stock update, the shipment, the
 * email and the order's final status happen in workers. With an `Idempotency-Key`, a
 * retried request answers the same order, and starts its workflow if an earlier try could not.
 */
import { randomBytes } from 'node:crypto';
import { type Transport, TransportError } from '@conveyor/core';
import type { BasicAuthCredentials } from '@conveyor/dashboard';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import {
  findOrder,
  insertOrder,
  insertUser,
  type OrderItem,
  type OrderRow,
  setOrderWorkflow,
  withdrawOrder,
} from '../db/orders.js';
import { stockLevels, unknownSkus } from '../db/schema.js';
import type { ShopStubs } from '../producer.js';
import { mountAdmin } from './admin.js';
import { registerAnnouncements } from './announcements.js';
import {
  idempotencyKeyHeader,
  orderParams,
  type PlaceOrderBody,
  placeOrderBody,
  registerUserBody,
  validationIssues,
} from './schemas.js';

const KEY_HEADER = 'Idempotency-Key';

export interface ApiOptions {
  db: pg.Pool;
  /** `.delay()` stubs for the shop's tasks and its order workflow. */
  tasks: ShopStubs;
  /**
   * Serves Conveyor's dashboard at `/admin` on this transport, and takes `POST
   * /announcements`, both behind these credentials.
   */
  admin?: { transport: Transport; credentials: BasicAuthCredentials };
  /** Customers per `enqueueMany` call of an announcement; default 1,000. */
  announcementBatch?: number;
}

/**
 * Builds the API (not listening yet).
 *
 * @example
 * const app = buildApi({ db, tasks: useClient(client), admin: { transport, credentials } });
 * await app.listen({ port: 3000 });
 */
export function buildApi({ db, tasks, admin, announcementBatch }: ApiOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  if (admin) {
    mountAdmin(app, admin.transport, admin.credentials);
    registerAnnouncements(app, {
      db,
      tasks,
      credentials: admin.credentials,
      batchSize: announcementBatch,
    });
  }

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
    const header = idempotencyKeyHeader.optional().safeParse(request.headers['idempotency-key']);
    if (!header.success) {
      return reply.code(400).send({
        error: 'invalid_idempotency_key',
        issues: validationIssues(header.error).map((issue) => ({ ...issue, path: KEY_HEADER })),
      });
    }
    const key = header.data;
    const { email, name, items } = parsed.data;
    // Refused here rather than by the workflow's stock step, which would accept the order
    // and then reject it by email. The step still refuses a product removed in between.
    const unknown = await unknownSkus(
      db,
      items.map((item) => item.sku),
    );
    if (unknown.length > 0) {
      return reply.code(422).send({
        error: 'unknown_sku',
        message: `Unknown SKU ${unknown.map((sku) => JSON.stringify(sku)).join(', ')}: no such product (GET /products lists them).`,
        issues: items.flatMap((item, index) =>
          unknown.includes(item.sku)
            ? [{ path: `items.${index}.sku`, message: `Unknown SKU ${JSON.stringify(item.sku)}` }]
            : [],
        ),
      });
    }
    const { order, created } = await insertOrder(db, {
      id: `ord_${randomBytes(6).toString('hex')}`,
      email,
      name,
      items,
      idempotencyKey: key,
    });
    if (!created) {
      if (!isSameOrder(order, parsed.data)) {
        return reply.code(422).send({
          error: 'idempotency_key_reused',
          message: `${KEY_HEADER} ${JSON.stringify(key)} belongs to order ${order.id}, placed with another body: send a new key for a new order.`,
        });
      }
      reply.header('idempotent-replayed', 'true');
    }
    let workflowId = order.workflowId;
    if (workflowId === null) {
      // One workflow per order: stock first, then the shipment and the confirmation, then
      // the order is fulfilled; or rejected, with no shipment. Keyed by the order id, so a
      // retried request (the same Idempotency-Key) gets the run a lost answer had started.
      // It starts the stored order, not the retried body.
      try {
        const run = await tasks.placeOrder.delay(
          { orderId: order.id, email: order.email, name: order.name, items: order.items },
          { idempotencyKey: order.id },
        );
        workflowId = run.id;
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        return reply
          .code(503)
          .header('retry-after', '5')
          .send(await notStarted(db, order.id, key, error));
      }
      await setOrderWorkflow(db, order.id, workflowId);
    }
    return reply
      .code(202)
      .send({ orderId: order.id, workflowId, ...(!created && { replayed: true }) });
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

/** A retried request must be the request that placed the order: same customer, same items. */
function isSameOrder(order: OrderRow, body: PlaceOrderBody): boolean {
  const items = (list: readonly OrderItem[]) =>
    JSON.stringify(list.map(({ sku, quantity }) => [sku, quantity]));
  return (
    order.email === body.email &&
    order.name === body.name &&
    items(order.items) === items(body.items)
  );
}

/**
 * The 503 for an order whose workflow could not be started. With a key, the order stays
 * pending for the retry to start. Without one, no retry can find it, so it is withdrawn
 * (rejected with the reason) rather than left pending forever.
 */
async function notStarted(
  db: pg.Pool,
  orderId: string,
  key: string | undefined,
  error: TransportError,
): Promise<{ error: 'queue_unavailable'; orderId: string; message: string }> {
  const why = `the task queue is unavailable (${error.message.replace(/\.+$/, '')})`;
  if (key !== undefined) {
    return {
      error: 'queue_unavailable',
      orderId,
      message: `Order ${orderId} is stored but not started: ${why}. Retry this request with the same ${KEY_HEADER} (${JSON.stringify(key)}): the retry starts this order, never a second one.`,
    };
  }
  await withdrawOrder(
    db,
    orderId,
    'Not placed: the task queue was unavailable, so its workflow never started',
  );
  return {
    error: 'queue_unavailable',
    orderId,
    message: `Order ${orderId} was not placed: ${why}. Place it again, with an ${KEY_HEADER} header: a retry with the same key can never place it twice.`,
  };
}
