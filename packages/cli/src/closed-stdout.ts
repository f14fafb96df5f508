/**
 * What the binary does when the reader of its stdout goes away (`conveyor status --watch 1 |
 * head -n1`): the next write fails with EPIPE, which, unhandled, ended the command with a
 * stack trace and exit 1. A command exits 0 at once and says nothing: nobody reads its output
 * any more. The worker goes on (its JSON log lines are lost): exiting would cut its running
 * jobs short. Any other stdout error is thrown as before.
 */
export function onClosedStdout(command: 'worker' | 'other'): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (command !== 'worker') process.exit(0);
  });
}

/** How long the binary waits for stdout to drain before it exits anyway. */
export const DRAIN_WAIT_MS = 2_000;

/**
 * Exits with `code` once what the command wrote to stdout has drained, or after
 * {@link DRAIN_WAIT_MS} when the write never calls back: a worker whose stdout reader went
 * away during its graceful stop (`conveyor worker | head -2`) printed "Stopped: …" and then
 * waited on that callback for ever, deaf to further signals.
 */
export function exitAfterStdout(
  code: number,
  stdout: Pick<NodeJS.WriteStream, 'write'> = process.stdout,
  exit: (code: number) => void = (status) => process.exit(status),
): void {
  let done = false;
  const leave = () => {
    if (done) return;
    done = true;
    exit(code);
  };
  setTimeout(leave, DRAIN_WAIT_MS).unref();
  process.exitCode = code;
  try {
    stdout.write('', leave);
  } catch {
    leave();
  }
}
