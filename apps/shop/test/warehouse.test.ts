import { afterEach, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_HEADER } from '../src/warehouse/protocol.js';
import { SIGNATURE_HEADER, signBody, verifySignature } from '../src/warehouse/signature.js';
import { buildWarehouse, type WarehouseOptions } from '../src/warehouse/warehouse-server.js';

const SECRET = 'test-secret';
const ORDER = {
  orderId: 'ord_1',
  email: 'ada@example.com',
  items: [{ sku: 'TEA-01', quantity: 2 }],
};

describe('signatures', () => {
  it('accepts the body it signed and nothing else', () => {
    const body = JSON.stringify(ORDER);
    const header = signBody(SECRET, body);
    expect(verifySignature(SECRET, body, header)).toEqual({ ok: true });
    expect(verifySignature(SECRET, body.replace('2', '3'), header)).toMatchObject({ ok: false });
    expect(verifySignature('other-secret', body, header)).toMatchObject({ ok: false });
    expect(verifySignature(SECRET, body, undefined)).toEqual({
      ok: false,
      reason: `missing ${SIGNATURE_HEADER} header`,
    });
  });

  it('refuses a signature from outside the 5-minute tolerance', () => {
    const body = JSON.stringify(ORDER);
    const sixMinutesAgo = Date.now() - 6 * 60_000;
    const check = verifySignature(SECRET, body, signBody(SECRET, body, sixMinutesAgo));
    expect(check).toMatchObject({ ok: false, reason: expect.stringContaining('tolerance') });
  });
});

describe('the warehouse service', () => {
  let app: ReturnType<typeof buildWarehouse> | undefined;
  afterEach(() => app?.close());

  const current = () => app as ReturnType<typeof buildWarehouse>;
  const start = (options: Partial<WarehouseOptions> = {}) => {
    app = buildWarehouse({ secret: SECRET, ...options });
    return app;
  };
  const ship = (body: unknown, key: string | undefined, secret = SECRET) => {
    const text = JSON.stringify(body);
    return current().inject({
      method: 'POST',
      url: '/shipments',
      payload: text,
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signBody(secret, text),
        ...(key && { [IDEMPOTENCY_HEADER]: key }),
      },
    });
  };

  it('creates one shipment per idempotency key and replays it for a retry', async () => {
    start();
    const first = await ship(ORDER, 'shipment-ord_1');
    const again = await ship(ORDER, 'shipment-ord_1');
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().shipment.id).toBe(first.json().shipment.id);
    const { shipments } = (await current().inject({ url: '/shipments' })).json() as {
      shipments: unknown[];
    };
    expect(shipments).toHaveLength(1);
  });

  it('refuses bad signatures (401), a missing key (400), a reused key (422) and a bad body (400)', async () => {
    start();
    expect((await ship(ORDER, 'k1', 'wrong-secret')).statusCode).toBe(401);
    expect((await ship(ORDER, undefined)).statusCode).toBe(400);
    expect((await ship({ ...ORDER, items: [] }, 'k2')).statusCode).toBe(400);
    expect((await ship(ORDER, 'k3')).statusCode).toBe(201);
    const reused = await ship({ ...ORDER, orderId: 'ord_2' }, 'k3');
    expect(reused.statusCode).toBe(422);
    expect(reused.json().message).toContain('"k3"');
  });

  it('fails every Nth request with 503 and Retry-After, recording nothing in reject mode', async () => {
    start({ failEvery: 2, retryAfterSeconds: 1 });
    const statuses = [];
    for (const key of ['a', 'b', 'c', 'd']) {
      const response = await ship({ ...ORDER, orderId: key }, key);
      statuses.push(response.statusCode);
      if (response.statusCode === 503) expect(response.headers['retry-after']).toBe('1');
    }
    expect(statuses).toEqual([201, 503, 201, 503]);
    const { shipments } = (await current().inject({ url: '/shipments' })).json() as {
      shipments: Array<{ orderId: string }>;
    };
    expect(shipments.map((shipment) => shipment.orderId)).toEqual(['a', 'c']);
  });

  it('in after-commit mode records the shipment before the 503, so the retry is a replay', async () => {
    start({ failEvery: 2, failMode: 'after-commit' });
    expect((await ship(ORDER, 'k1')).statusCode).toBe(201);
    const second = { ...ORDER, orderId: 'ord_2' };
    expect((await ship(second, 'k2')).statusCode).toBe(503); // recorded, answer "lost"
    const retry = await ship(second, 'k2');
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const { shipments } = (await current().inject({ url: '/shipments' })).json() as {
      shipments: Array<{ orderId: string }>;
    };
    expect(shipments.map((shipment) => shipment.orderId)).toEqual(['ord_1', 'ord_2']);
    const { requests } = (await current().inject({ url: '/requests' })).json() as {
      requests: Array<{ outcome: string }>;
    };
    expect(requests.map((request) => request.outcome)).toEqual([
      'created',
      'lost-response-503',
      'replayed',
    ]);
  });
});
