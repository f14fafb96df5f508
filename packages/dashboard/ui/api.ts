import { config } from './config.js';

/** An answer other than 2xx, with the server's `{ error: { code, message } }` when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The API URL for `path` (which starts with '/'), under the dashboard's base. */
export function apiUrl(path: string, query?: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return `${config.base}/api${path}${search ? `?${search}` : ''}`;
}

async function read<T>(response: Response): Promise<T> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
    );
  }
  return body as T;
}

/**
 * GETs JSON from the API.
 *
 * @example
 * const { queues } = await getJson<QueuesResponse>('/queues', undefined, signal);
 */
export async function getJson<T>(
  path: string,
  query?: Record<string, string | number | undefined>,
  signal?: AbortSignal,
): Promise<T> {
  const response = await fetch(apiUrl(path, query), {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    signal: signal ?? null,
  });
  return read<T>(response);
}

/** POSTs in flight: while any is, the page says it is busy (see {@link postJson}). */
let posting = 0;

/**
 * Marks the document busy while an action's request is out: `aria-busy` for assistive
 * technology, and the `posting` class, with which the buttons take no clicks and the cursor
 * shows progress (controls.css). A Retry against a broker that is down took 3–4 s to say so,
 * with nothing changed meanwhile and the button clickable again.
 */
function busy(on: boolean): void {
  posting += on ? 1 : -1;
  const root = document.documentElement;
  root.classList.toggle('posting', posting > 0);
  if (posting > 0) root.setAttribute('aria-busy', 'true');
  else root.removeAttribute('aria-busy');
}

/**
 * POSTs JSON with the CSRF token (the server also checks the Origin header the browser adds).
 * A token the server no longer knows (it restarted, or the session expired while the page
 * stayed open) is refused before anything runs: the page then fetches its session's token
 * once, and sends the request again with it.
 */
export async function postJson<T>(path: string, body?: unknown): Promise<T> {
  busy(true);
  try {
    return await postOnce<T>(path, body);
  } finally {
    busy(false);
  }
}

async function postOnce<T>(path: string, body?: unknown): Promise<T> {
  const send = () =>
    fetch(apiUrl(path), {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'x-conveyor-csrf': config.csrf,
      },
      body: JSON.stringify(body ?? {}),
    });
  try {
    return await read<T>(await send());
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'CSRF')) throw error;
    const session = await getJson<{ csrf: string }>('/session');
    if (session.csrf === config.csrf) throw error;
    config.csrf = session.csrf;
    return read<T>(await send());
  }
}

/** A message for an error a page shows. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.status} ${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
