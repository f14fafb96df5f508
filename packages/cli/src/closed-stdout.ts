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
