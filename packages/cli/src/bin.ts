import { onClosedStdout } from './closed-stdout.js';
import { interruptNote, interruptsGracefully } from './interrupt-note.js';
import { commandOf, processIo, runCli } from './run.js';
import { guardWorkerProcess } from './worker-signals.js';

// Ctrl-C (or SIGTERM) ends `status --watch`, `generate --watch`, `dashboard` and the wait of
// `enqueue --wait` cleanly (the job enqueued is named, and goes on), and a second one exits at
// once; it ends any other command at once, even one still connecting (which does not watch
// the signal). The worker: see worker-signals.ts.
const interrupted = new AbortController();
const argv = process.argv.slice(2);
const EXIT_ON = { SIGINT: 130, SIGTERM: 143 } as const;
// The command word, past global options and their values: any argument `worker` (a queue,
// task or prefix) made `status` a worker for signals and a closed stdout.
const command = commandOf(argv);
const flag = (long: string, short?: string) =>
  argv.some((arg) => arg === long || arg === short || arg.startsWith(`${long}=`));
// `enqueue --wait` only once it sends its job (interruptsGracefully): a signal while it loads
// or connects ends it at once, enqueueing nothing.
const graceful = () => command === 'dashboard' || flag('--watch', '-w') || interruptsGracefully();
onClosedStdout(command === 'worker' ? 'worker' : 'other');
if (command === 'worker') {
  // Before "Ready" a signal ends the start-up; then the worker's own handlers stop it.
  guardWorkerProcess();
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!graceful() || interrupted.signal.aborted) {
        // What a long command (retry --all-dead, purge) had done: a re-run finishes it.
        const note = interruptNote();
        if (note) process.stderr.write(`${note}\n`);
        process.exit(EXIT_ON[signal]);
      }
      interrupted.abort();
    });
  }
}

const code = await runCli(argv, processIo(), interrupted.signal);
// Let stdout drain, then leave even if a library keeps a handle open.
process.stdout.write('', () => process.exit(code));
