import { processIo, runCli } from './run.js';

// Ctrl-C (or SIGTERM) ends `status --watch`, `generate --watch` and `dashboard` cleanly, and
// a second one exits at once; it ends any other command at once, even one still connecting
// (which does not watch the signal). The worker installs its own handlers (graceful stop).
const interrupted = new AbortController();
const argv = process.argv.slice(2);
const EXIT_ON = { SIGINT: 130, SIGTERM: 143 } as const;
/** How long a worker may take to stop after a second signal before it exits anyway. */
const STOP_NOW_MS = 10_000;
const graceful =
  argv.includes('dashboard') ||
  argv.some((arg) => arg === '-w' || arg === '--watch' || arg.startsWith('--watch='));
if (argv.includes('worker')) {
  // The worker's own handlers stop it (installSignalHandlers): gracefully, then at once on a
  // second signal, which still gives its jobs back to Redis. Should Redis not answer (paused,
  // half-open), each call waits out the command timeout: the second signal bounds the stop
  // at STOP_NOW_MS, and a third exits at once. Jobs not given back return when their leases
  // run out.
  let received = 0;
  const leave = (signal: keyof typeof EXIT_ON, why: string) => {
    process.stderr.write(
      `conveyor worker: ${why}: exiting without waiting for Redis; jobs not given back run again when their leases run out.\n`,
    );
    process.exit(EXIT_ON[signal]);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      received += 1;
      if (received === 2)
        setTimeout(
          () => leave(signal, `not stopped ${STOP_NOW_MS / 1000} s after the second signal`),
          STOP_NOW_MS,
        ).unref();
      if (received >= 3) leave(signal, 'third signal');
    });
  }
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!graceful || interrupted.signal.aborted) process.exit(EXIT_ON[signal]);
      interrupted.abort();
    });
  }
}

const code = await runCli(argv, processIo(), interrupted.signal);
// Let stdout drain, then leave even if a library keeps a handle open.
process.stdout.write('', () => process.exit(code));
