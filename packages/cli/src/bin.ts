import { processIo, runCli } from './run.js';

// Ctrl-C ends `status --watch` cleanly; a second one exits at once. The worker installs
// its own handlers (graceful stop) on top.
const interrupted = new AbortController();
const argv = process.argv.slice(2);
if (!argv.includes('worker')) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted.signal.aborted) process.exit(130);
      interrupted.abort();
    });
  }
}

const code = await runCli(argv, processIo(), interrupted.signal);
// Let stdout drain, then leave even if a library keeps a handle open.
process.stdout.write('', () => process.exit(code));
