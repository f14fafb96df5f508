/**
 * Entry of a sandbox child process (see sandbox-pool.ts). It imports the task module
 * named by its first argument, then runs one job at a time with `runJob`, as the worker
 * tells it over IPC. Progress, log lines and the outcome go back as messages; an abort
 * message aborts `ctx.signal` with the worker's reason.
 */
import type { Logger } from '@conveyor/core';
import { toJobError } from '@conveyor/core/transport';
import { runJob } from '@conveyor/core/worker';
import {
  errorFromJob,
  type FromChild,
  type SandboxCaps,
  type ToChild,
} from './sandbox-protocol.js';
import { loadTaskModule } from './task-module.js';

/**
 * Sends to the worker while it is there. A send on a closed channel, or one the worker closes
 * as it goes (EPIPE), would crash the child with an unhandled 'error': with a callback, the
 * failure comes to it instead, and the 'disconnect' handler ends the child.
 */
function send(message: FromChild): void {
  if (process.connected) process.send?.(message, undefined, undefined, ignore);
}

function ignore(): void {}

const forward =
  (level: 'debug' | 'info' | 'warn' | 'error') =>
  (first: string | Record<string, unknown>, message?: string): void => {
    const fields = typeof first === 'string' ? {} : safeFields(first);
    send({
      type: 'log',
      level,
      fields,
      message: typeof first === 'string' ? first : (message ?? ''),
    });
  };

/** Log fields as JSON can carry them (an `err` becomes its JSON form). */
function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? toJobError(value) : value;
  }
  try {
    return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  } catch {
    return { fields: 'unserializable' };
  }
}

const logger: Logger = {
  debug: forward('debug'),
  info: forward('info'),
  warn: forward('warn'),
  error: forward('error'),
};

async function main(): Promise<void> {
  const module = process.argv[2];
  const caps = JSON.parse(process.argv[3] ?? '{}') as Partial<SandboxCaps>;
  if (!module || !process.send) {
    console.error('[conveyor] sandbox-child is started by @conveyor/worker, not by hand.');
    process.exit(2);
  }
  let registry: Awaited<ReturnType<typeof loadTaskModule>>;
  try {
    registry = await loadTaskModule(module);
  } catch (error) {
    // The worker gone: exit, or a handle the module opened before it threw keeps an orphan.
    if (!process.connected) process.exit(0);
    send({ type: 'start-failed', error: toJobError(error) });
    process.disconnect?.();
    return;
  }
  // The worker went away while the module loaded (it died, or stopped): nothing to do, and
  // the handles the module opened (a database pool) must not keep an orphan alive.
  if (!process.connected) process.exit(0);
  const controllers = new Map<string, AbortController>();
  process.on('message', (message: ToChild) => {
    if (message.type === 'abort') {
      controllers.get(message.token)?.abort(errorFromJob(message.reason));
      return;
    }
    if (message.type !== 'run') return;
    const { reservation } = message;
    const controller = new AbortController();
    controllers.set(reservation.token, controller);
    void runJob(reservation, {
      registry,
      signal: controller.signal,
      logger,
      ...caps,
      onProgress: (value) => send({ type: 'progress', token: reservation.token, value }),
    }).then((outcome) => {
      controllers.delete(reservation.token);
      send({
        type: 'outcome',
        token: reservation.token,
        kind: outcome.kind,
        settlement: outcome.settlement,
        ...(outcome.error !== undefined && { error: toJobError(outcome.error) }),
      });
    });
  });
  // The worker went away (or closed the pool): nothing left to do here.
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C and systemd signal the whole process group. Shutdown is the worker's call (it
  // lets the job finish or releases it), so a child must not die of the same signal.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});
  send({ type: 'ready', tasks: registry.names() });
}

void main();
