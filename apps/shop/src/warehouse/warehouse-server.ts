/**
 * The warehouse: a small separate HTTP service the shop tells to prepare shipments.
 * It checks an HMAC signature on every request, keys shipments by the caller's
 * Idempotency-Key (so a retried call never creates a second shipment), and can be told
 * to fail every Nth request with 503, so retries with back-off show up.
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  IDEMPOTENCY_HEADER,
  type Shipment,
  shipmentRequestSchema,
  type WarehouseRequestLog,
} from './protocol.js';
import { SIGNATURE_HEADER, verifySignature } from './signature.js';

export interface WarehouseOptions {
  /** Shared HMAC secret; requests signed with anything else get 401. */
  secret: string;
  /** Fail every Nth shipment request with 503 (0 = never). */
  failEvery?: number;
  /**
   * `reject`: the failing request changes nothing. `after-commit`: the shipment is recorded,
   * then the answer is 503, as if the response was lost; only the idempotency key keeps
   * the retry from shipping twice.
   */
  failMode?: 'reject' | 'after-commit';
  /** Seconds sent in `Retry-After` with each injected 503. */
  retryAfterSeconds?: number;
}

/**
 * Builds the warehouse app (not listening yet).
 *
 * @example
 * const app = buildWarehouse({ secret: 's3cret', failEvery: 3 });
 * await app.listen({ port: 0, host: '127.0.0.1' });
 */
export function buildWarehouse(options: WarehouseOptions): FastifyInstance {
  const failEvery = options.failEvery ?? 0;
  const failMode = options.failMode ?? 'reject';
  const retryAfter = String(options.retryAfterSeconds ?? 0);
  const shipments = new Map<string, Shipment & { bodyHash: string }>();
  const requests: WarehouseRequestLog[] = [];
  let seq = 0;

  const app = Fastify({ logger: false });
  // The signature covers the exact bytes sent, so keep the raw body and parse it here.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  app.post('/shipments', async (request, reply) => {
    seq += 1;
    const raw = typeof request.body === 'string' ? request.body : '';
    const key = header(request.headers[IDEMPOTENCY_HEADER]);
    const log = (entry: Pick<WarehouseRequestLog, 'status' | 'outcome' | 'orderId'>) =>
      requests.push({ seq, idempotencyKey: key, ...entry });

    const signature = verifySignature(
      options.secret,
      raw,
      header(request.headers[SIGNATURE_HEADER]),
    );
    if (!signature.ok) {
      log({ status: 401, outcome: 'rejected', orderId: undefined });
      return reply.code(401).send({ error: 'invalid_signature', message: signature.reason });
    }
    if (!key) {
      log({ status: 400, outcome: 'rejected', orderId: undefined });
      return reply.code(400).send({
        error: 'missing_idempotency_key',
        message: `send an ${IDEMPOTENCY_HEADER} header`,
      });
    }
    const parsed = shipmentRequestSchema.safeParse(safeJson(raw));
    if (!parsed.success) {
      log({ status: 400, outcome: 'rejected', orderId: undefined });
      return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
    }
    const body = parsed.data;
    const bodyHash = createHash('sha256').update(raw).digest('hex');
    const injected = failEvery > 0 && seq % failEvery === 0;
    if (injected && failMode === 'reject') {
      log({ status: 503, outcome: 'injected-503', orderId: body.orderId });
      return reply.code(503).header('retry-after', retryAfter).send({ error: 'busy' });
    }

    const existing = shipments.get(key);
    if (existing && existing.bodyHash !== bodyHash) {
      log({ status: 422, outcome: 'rejected', orderId: body.orderId });
      return reply.code(422).send({
        error: 'idempotency_key_reused',
        message: `${IDEMPOTENCY_HEADER} ${JSON.stringify(key)} was used for a different request`,
      });
    }
    const shipment = existing ?? {
      id: `shp_${String(shipments.size + 1).padStart(4, '0')}`,
      orderId: body.orderId,
      items: body.items,
      idempotencyKey: key,
      createdAt: new Date().toISOString(),
      bodyHash,
    };
    shipments.set(key, shipment);
    if (injected) {
      log({ status: 503, outcome: 'lost-response-503', orderId: body.orderId });
      return reply.code(503).header('retry-after', retryAfter).send({ error: 'busy' });
    }
    log({
      status: existing ? 200 : 201,
      outcome: existing ? 'replayed' : 'created',
      orderId: body.orderId,
    });
    return reply
      .code(existing ? 200 : 201)
      .header('idempotent-replayed', existing ? 'true' : 'false')
      .send({ shipment: publicShipment(shipment) });
  });

  app.get('/shipments', async () => ({ shipments: [...shipments.values()].map(publicShipment) }));
  app.get('/requests', async () => ({ requests }));
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}

function publicShipment({ bodyHash: _, ...shipment }: Shipment & { bodyHash: string }): Shipment {
  return shipment;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
