import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertKnownKeys } from '@conveyor/core/transport';
import { METRICS_OPTION_KEYS } from './option-keys.js';
import type { MetricsServerOptions } from './options.js';

/** What the endpoint reads from a worker. */
export interface MetricsSource {
  stats(): { id: string; state: string; running: number; inFlight: number };
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsServer {
  /** e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /healthz` (200 while the worker runs, 503 once it stops) and
 * `GET /metrics` (Prometheus text format) on plain `node:http`.
 *
 * @example
 * const server = await serveMetrics(worker, { port: 9464 });
 */
export async function serveMetrics(
  source: MetricsSource,
  options: MetricsServerOptions,
): Promise<MetricsServer> {
  assertKnownKeys(options, METRICS_OPTION_KEYS, 'serveMetrics option');
  const host = options.host ?? '0.0.0.0';
  const server = createServer((request, response) => {
    handle(source, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  source: MetricsSource,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    response.end('method not allowed\n');
    return;
  }
  if (path === '/healthz') {
    const { id, state, running, inFlight } = source.stats();
    const healthy = state === 'running';
    response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: healthy ? 'ok' : state, worker: id, running, inFlight }));
    return;
  }
  if (path === '/metrics') {
    const { contentType, body } = await source.metrics();
    response.writeHead(200, { 'content-type': contentType });
    response.end(body);
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('not found: try /healthz or /metrics\n');
}
