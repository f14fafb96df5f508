import { DashboardError } from '../errors.js';

function tooLarge(limit: number): DashboardError {
  return new DashboardError(
    'PAYLOAD_TOO_LARGE',
    `Request body over ${limit} bytes; send fewer ids per call (bulk actions take at most 10,000).`,
  );
}

/** The request's JSON body, `{}` when empty; refused over `limit` bytes or when not JSON. */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (request.body === null) return {};
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DashboardError(
      'BAD_REQUEST',
      `Request body is not JSON: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text)}.`,
    );
  }
}
