import { z } from 'zod';

/** `POST /orders` */
export const placeOrderBody = z.object({
  email: z.email(),
  name: z.string().trim().min(1).max(200),
  items: z
    .array(
      z.object({
        sku: z.string().trim().min(1).max(64),
        quantity: z.number().int().positive().max(1_000),
      }),
    )
    .min(1)
    .max(50),
});
export type PlaceOrderBody = z.infer<typeof placeOrderBody>;

/**
 * The `Idempotency-Key` header (optional on `POST /orders`, required on `POST
 * /announcements`): the same key with the same body is the same request, however often it
 * is sent.
 */
export const idempotencyKeyHeader = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7e]+$/, 'printable ASCII only');

/** `POST /users` */
export const registerUserBody = z.object({
  email: z.email(),
  name: z.string().trim().min(1).max(200),
});

/** `POST /announcements` */
export const announcementBody = z.object({
  subject: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(10_000),
});

/** `GET /orders/:id` */
export const orderParams = z.object({ id: z.string().regex(/^ord_[a-z0-9]{1,40}$/) });

/** The 400 body: one entry per problem, with the path into the request. */
export function validationIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}
