/**
 * Waits `ms`, or less when `signal` aborts: true when the whole wait passed, false when the
 * signal ended it (or had already). For commands that wait between rounds (`status --watch`,
 * `worker --wait-for-broker`) and must stop at once on Ctrl-C or SIGTERM.
 */
export function waitOrAbort(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (waited: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      resolve(waited);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', aborted, { once: true });
    if (signal?.aborted) done(false);
  });
}
