import type { Logger } from '@conveyor/core';

/** The part of `process` the handlers need; inject an EventEmitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface SignalHandlerOptions {
  /** Default `['SIGTERM', 'SIGINT']`. */
  signals?: readonly NodeJS.Signals[];
  /** Default `process`. */
  source?: SignalSource;
  logger?: Logger;
}

/**
 * First SIGTERM/SIGINT: graceful `stop()` (finish running jobs within the grace period).
 * Second: `stop({ graceMs: 0 })`, releasing every running job at once. The process is not
 * exited: `await worker.start()` returns once the worker has stopped. Returns a function
 * that removes the handlers.
 *
 * @example
 * installSignalHandlers(worker);
 * await worker.start();
 * await transport.close();
 */
export function installSignalHandlers(
  worker: { stop(options?: { graceMs?: number }): Promise<void> },
  options: SignalHandlerOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const source = options.source ?? process;
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received += 1;
    const immediate = received > 1;
    options.logger?.info(
      { signal },
      immediate ? 'second signal: stopping now' : 'stopping gracefully (signal again to stop now)',
    );
    worker.stop(immediate ? { graceMs: 0 } : undefined).catch((error: unknown) => {
      options.logger?.error({ err: error }, 'stop failed');
    });
  };
  const listeners = signals.map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, listener] of listeners) source.on(signal, listener);
  return () => {
    for (const [signal, listener] of listeners) source.off(signal, listener);
  };
}
