// The default logger on a stdout whose reader went away: `conveyor worker | head -2` printed
// "Stopped" and never exited when its last lines were still buffered at exit (pino flushed
// them with a write it retried for ever on EPIPE). One child process, as a user runs it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
/** Long: the exit comes at once; this only bounds a hang, on a slow machine. */
const EXIT_WAIT_MS = 30_000;

// Logs a line, then on a line from the parent logs three more and exits at once: with a
// buffered logger, lines logged while one is being written are still to be written at exit.
const CHILD = `
const { createWorkerLogger } = await import(${JSON.stringify(DIST)});
const log = createWorkerLogger();
log.info('first');
process.stdin.once('data', () => {
  for (let line = 0; line < 3; line++) log.info('last');
  process.exit(0);
});
`;

describe('the default logger when its stdout reader is gone', () => {
  it('exits, the lines after the broken pipe dropped', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    // The first line, or the child's end (a failed import, say a dist being rebuilt): an end
    // waited here for the test's whole timeout and said nothing of why.
    const first = await Promise.race([
      once(child.stdout, 'data').then(([chunk]) => String(chunk)),
      once(child, 'close').then(([code]) => `exited ${code} first; stderr: ${stderr}`),
    ]);
    expect(first).toContain('"msg":"first"');
    // The reader goes away, as `head` does after its lines.
    child.stdout.destroy();
    child.stdin.write('go\n');
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), EXIT_WAIT_MS);
    });
    const outcome = await Promise.race([exited, hung]);
    clearTimeout(timer);
    if (outcome === 'hung') child.kill('SIGKILL');
    expect(outcome, `the child did not exit; stderr: ${stderr}`).toEqual([0, null]);
  }, 60_000);
});
