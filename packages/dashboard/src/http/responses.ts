import { DashboardError } from '../errors.js';

/** A JSON response; `no-store` because it holds live (and possibly sensitive) job data. */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers?: Record<string, string>,
): Response {
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set('content-type', 'application/json; charset=utf-8');
  response.headers.set('cache-control', 'no-store');
  return response;
}

/** The JSON body of an error: `{ error: { code, message } }`. */
export function errorResponse(error: DashboardError, headers?: Record<string, string>): Response {
  return jsonResponse(
    { error: { code: error.code, message: error.message } },
    error.status,
    headers,
  );
}

/**
 * What a caller who has not been authenticated yet is told of anything thrown: the
 * dashboard's own errors as they are (they say what to send), anything else only that the
 * server's log has it, since its text may name internals (a database, a host, a user).
 */
export function toAnonymousError(error: unknown): DashboardError {
  if (error instanceof DashboardError) return error;
  return new DashboardError(
    'INTERNAL',
    "The dashboard failed before it could authenticate this request; the server's log has the details.",
    { cause: error },
  );
}

/**
 * Turns anything thrown into a {@link DashboardError}: a broker that cannot be reached is
 * `BROKER_UNAVAILABLE` (503), another transport failure `INTERNAL`, a value the transport
 * refused (`INVALID_OPTION`) `BAD_REQUEST`.
 */
export function toDashboardError(error: unknown): DashboardError {
  if (error instanceof DashboardError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'TRANSPORT_CLOSED') {
    return new DashboardError('CLOSED', `The transport is closed: ${message}`, { cause: error });
  }
  if (code === 'INVALID_OPTION') {
    // The transport refused a value the request passed on (a cursor it did not issue, an
    // audit id it does not know, a task name too long for its index): the request's fault.
    return new DashboardError('BAD_REQUEST', message, { cause: error });
  }
  // By shape: the Redis transport's errors say `failure` (a dashboard imports no transport).
  const failure = (error as { failure?: unknown } | null)?.failure;
  if (failure === 'CONNECTION' || failure === 'CLUSTER') {
    return new DashboardError(
      'BROKER_UNAVAILABLE',
      `The broker cannot be reached; try again once it is back. ${message}`,
      { cause: error },
    );
  }
  return new DashboardError(
    'INTERNAL',
    `${typeof code === 'string' ? `${code}: ` : ''}${message}`,
    { cause: error },
  );
}
