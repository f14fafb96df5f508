/**
 * The child side of the process protocol the demo and the e2e test use: a service
 * starts, listens on a free port and announces its URLs over IPC (or prints them as one
 * JSON line when started by hand), then shuts down cleanly on SIGTERM/SIGINT.
 */

export interface ReadyMessage {
  type: 'ready';
  [name: string]: unknown;
}

/** Tells the parent (or the terminal) that this service is up, and where. */
export function announceReady(info: Record<string, unknown>): void {
  const message: ReadyMessage = { type: 'ready', pid: process.pid, ...info };
  if (process.send) process.send(message);
  else console.log(JSON.stringify(message));
}

/**
 * Runs `close` once on SIGTERM/SIGINT or when the parent's IPC channel closes (the
 * parent died), then exits. A second signal exits at once.
 */
export function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const stop = () => {
    if (closing) process.exit(1);
    closing = true;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}

/** Reads a whole-number environment variable, or the fallback; quotes a bad value. */
export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(
      `${name}=${JSON.stringify(raw)} is not a whole number; set it to e.g. ${fallback}`,
    );
  }
  return value;
}
