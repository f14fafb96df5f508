/** What the shop and the warehouse agree on: the request body, the answer, the headers. */
import { z } from 'zod';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

export const shipmentRequestSchema = z.object({
  orderId: z.string().min(1),
  email: z.email(),
  items: z
    .array(z.object({ sku: z.string().min(1), quantity: z.number().int().positive() }))
    .min(1),
});
export type ShipmentRequest = z.infer<typeof shipmentRequestSchema>;

export interface Shipment {
  id: string;
  orderId: string;
  items: ShipmentRequest['items'];
  idempotencyKey: string;
  createdAt: string;
}

/** What the warehouse did with one request; the demo prints these as the retries that happened. */
export interface WarehouseRequestLog {
  seq: number;
  idempotencyKey: string | undefined;
  orderId: string | undefined;
  status: number;
  outcome: 'created' | 'replayed' | 'injected-503' | 'lost-response-503' | 'rejected';
}
