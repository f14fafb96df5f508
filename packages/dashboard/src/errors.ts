/**
 * Every stable error code the dashboard raises or answers with. Match on `error.code` (or
 * on `error.code` in a JSON error body), not on messages.
 *
 * | code | status | meaning |
 * | --- | --- | --- |
 * | `DASHBOARD_AUTH_REQUIRED` | (thrown) | `createDashboard` got neither `auth` nor `authorize` |
 * | `INVALID_OPTION` | (thrown) | an option has a bad value |
 * | `BAD_REQUEST` | 400 | a query parameter or body is malformed, or the transport refused it (`INVALID_OPTION`) |
 * | `REDACTED_FIELD` | 400 | a search by a field that redaction hides |
 * | `UNAUTHORIZED` | 401 | no credentials, or wrong ones |
 * | `FORBIDDEN` | 403 | the credentials allow reading only, or `authorize` refused |
 * | `CSRF` | 403 | a mutation without a valid CSRF token or from a foreign `Origin` |
 * | `HOST_NOT_ALLOWED` | 403 | a `Host` not in `allowedHosts` (DNS-rebinding guard) |
 * | `NOT_FOUND` | 404 | no such route, queue or job |
 * | `METHOD_NOT_ALLOWED` | 405 | wrong method, or a mutation on a read-only dashboard |
 * | `CONFLICT` | 409 | the job is not in a state the action applies to |
 * | `CAPABILITY_MISSING` | 501 | the transport lacks the capability a route reads (`schedules`) |
 * | `PAYLOAD_TOO_LARGE` | 413 | a request body over the limit |
 * | `TOO_MANY_REQUESTS` | 429 | too many wrong basic-auth credentials from one address (`authThrottle`); see `Retry-After` |
 * | `CLOSED` | 503 | the dashboard was closed |
 * | `BROKER_UNAVAILABLE` | 503 | the broker cannot be reached (a transport error whose `failure` is `CONNECTION` or `CLUSTER`): try again |
 * | `INTERNAL` | 500 | the transport failed, or a bug |
 */
export type DashboardErrorCode =
  | 'DASHBOARD_AUTH_REQUIRED'
  | 'INVALID_OPTION'
  | 'BAD_REQUEST'
  | 'REDACTED_FIELD'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CSRF'
  | 'HOST_NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'CAPABILITY_MISSING'
  | 'PAYLOAD_TOO_LARGE'
  | 'TOO_MANY_REQUESTS'
  | 'CLOSED'
  | 'BROKER_UNAVAILABLE'
  | 'INTERNAL';

const STATUS: Readonly<Record<DashboardErrorCode, number>> = {
  DASHBOARD_AUTH_REQUIRED: 500,
  INVALID_OPTION: 500,
  BAD_REQUEST: 400,
  REDACTED_FIELD: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CSRF: 403,
  HOST_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  CAPABILITY_MISSING: 501,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  CLOSED: 503,
  BROKER_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/**
 * A dashboard error: a stable `code`, the HTTP `status` it answers with, and a message that
 * says what to do.
 *
 * @example
 * try {
 *   createDashboard({ transport });
 * } catch (error) {
 *   if (error instanceof DashboardError && error.code === 'DASHBOARD_AUTH_REQUIRED') ...
 * }
 */
export class DashboardError extends Error {
  readonly code: DashboardErrorCode;

  constructor(code: DashboardErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DashboardError';
    this.code = code;
  }

  /** The HTTP status this error answers with. */
  get status(): number {
    return STATUS[this.code];
  }
}

/** Characters of a refused value an error message quotes. */
const QUOTE_MAX = 200;

/**
 * A value quoted for an error message, cut at {@link QUOTE_MAX} characters: a 12,000-character
 * query parameter must not come back as a 12,000-character message (and page notice). A
 * string says its full length. It never throws and its work is bounded: an array nested
 * 10,000 deep in a request body is written only as far as the cut (each level writes a
 * character), never walked whole as `JSON.stringify` would, overflowing the stack.
 */
export function quote(value: unknown): string {
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length <= QUOTE_MAX
      ? text
      : `${text.slice(0, QUOTE_MAX)}… (${value.length.toLocaleString('en-US')} characters)`;
  }
  const parts: string[] = [];
  let length = 0;
  /** Appends text; false once past the cut, when writing stops. */
  const put = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length <= QUOTE_MAX;
  };
  const omitted = (item: unknown) =>
    item === undefined || typeof item === 'function' || typeof item === 'symbol';
  const write = (item: unknown): boolean => {
    if (typeof item === 'string') {
      return put(JSON.stringify(item.length > QUOTE_MAX ? item.slice(0, QUOTE_MAX + 1) : item));
    }
    if (item === null || typeof item !== 'object') {
      if (typeof item === 'number') return put(Number.isFinite(item) ? String(item) : 'null');
      return put(omitted(item) ? 'null' : String(item));
    }
    if (Array.isArray(item)) {
      if (!put('[')) return false;
      for (let i = 0; i < item.length; i++) {
        if ((i > 0 && !put(',')) || !write(item[i])) return false;
      }
      return put(']');
    }
    if (!put('{')) return false;
    let first = true;
    for (const key of Object.keys(item)) {
      const entry = (item as Record<string, unknown>)[key];
      if (omitted(entry)) continue;
      if (!put(`${first ? '' : ','}${JSON.stringify(key)}:`) || !write(entry)) return false;
      first = false;
    }
    return put('}');
  };
  let complete: boolean;
  try {
    complete = omitted(value) ? put(String(value)) : write(value);
  } catch {
    // A getter or proxy that throws: quote what was written before it.
    complete = false;
  }
  const text = parts.join('');
  return complete ? text : `${text.slice(0, QUOTE_MAX)}…`;
}

/** A malformed parameter: quotes it (cut short) and says what was expected. */
export function badRequest(name: string, value: unknown, expected: string): DashboardError {
  return new DashboardError(
    'BAD_REQUEST',
    `Invalid ${name} ${quote(value)}: expected ${expected}.`,
  );
}
