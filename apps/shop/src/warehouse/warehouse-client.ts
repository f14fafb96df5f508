import { IDEMPOTENCY_HEADER, type Shipment, type ShipmentRequest } from './protocol.js';
import { SIGNATURE_HEADER, signBody } from './signature.js';

export type ShipmentAnswer =
  | { kind: 'shipped'; shipment: Shipment; replayed: boolean }
  /** 5xx, 429 or no answer at all: worth retrying. */
  | {
      kind: 'unavailable';
      status: number | undefined;
      retryAfterMs: number | undefined;
      reason: string;
    }
  /** Any other 4xx: retrying the same request cannot help. */
  | { kind: 'refused'; status: number; reason: string };

export interface WarehouseClient {
  requestShipment(
    body: ShipmentRequest,
    options: { idempotencyKey: string; signal?: AbortSignal },
  ): Promise<ShipmentAnswer>;
}

/**
 * A client for the warehouse service: signs each body with HMAC-SHA256 and sends the
 * caller's idempotency key, so a retry of the same order is recognised.
 *
 * @example
 * const warehouse = createWarehouseClient({ url: 'http://127.0.0.1:4100', secret });
 * const answer = await warehouse.requestShipment(order, { idempotencyKey: `ship-${order.orderId}` });
 */
export function createWarehouseClient(options: {
  url: string;
  secret: string;
  timeoutMs?: number;
}): WarehouseClient {
  const endpoint = new URL('/shipments', options.url);
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    async requestShipment(body, { idempotencyKey, signal }) {
      const text = JSON.stringify(body);
      const timeout = AbortSignal.timeout(timeoutMs);
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          body: text,
          headers: {
            'content-type': 'application/json',
            [IDEMPOTENCY_HEADER]: idempotencyKey,
            [SIGNATURE_HEADER]: signBody(options.secret, text),
          },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (error) {
        signal?.throwIfAborted();
        return {
          kind: 'unavailable',
          status: undefined,
          retryAfterMs: undefined,
          reason: `no answer from ${endpoint.origin}: ${(error as Error).message}`,
        };
      }
      const payload = (await response.json().catch(() => ({}))) as {
        shipment?: Shipment;
        message?: string;
        error?: string;
      };
      if (response.ok && payload.shipment) {
        return {
          kind: 'shipped',
          shipment: payload.shipment,
          replayed: response.headers.get('idempotent-replayed') === 'true',
        };
      }
      const reason = `warehouse answered ${response.status} ${payload.message ?? payload.error ?? response.statusText}`;
      if (response.status >= 500 || response.status === 429) {
        const retryAfter = Number(response.headers.get('retry-after'));
        return {
          kind: 'unavailable',
          status: response.status,
          retryAfterMs:
            Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
          reason,
        };
      }
      return { kind: 'refused', status: response.status, reason };
    },
  };
}
