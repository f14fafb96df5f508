/**
 * `pnpm demo`'s entry point (plain JavaScript: it starts in milliseconds, without tsx). It runs
 * the demo (main.ts) in a process group of its own, so that Ctrl-C in the terminal reaches the
 * demo alone instead of every process it started at once: Redis would stop before the workers
 * could remove their records. The demo then stops the stack in order.
 *
 * The first SIGINT, SIGTERM or SIGHUP is passed on; a repeat within a second is the same one
 * (pnpm passes the terminal's Ctrl-C on to its child too), a later one makes the demo stop at once.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const demo = spawn(
  process.execPath,
  ['--conditions=@conveyor/source', '--import', 'tsx', main, ...process.argv.slice(2)],
  { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], detached: true },
);

let firstAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    const now = Date.now();
    if (firstAt !== 0 && now - firstAt < 1_000) return;
    firstAt ||= now;
    demo.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  });
}

demo.on('exit', (code, signal) => {
  process.exit(code ?? (signal === 'SIGINT' ? 130 : 1));
});
