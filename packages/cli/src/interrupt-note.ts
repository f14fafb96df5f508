/**
 * What a long command has done so far, for the line the binary prints when SIGINT/SIGTERM
 * ends it (`Interrupted: 2000 of about 15000 dead jobs of queue emails retried; run the same
 * command again to continue.`): it exits at once, and said nothing of the work already done.
 * One command runs per process, so one note at a time.
 */
let note: (() => string) | undefined;

/** Sets what an interrupt should say from now on; undefined once the work is over. */
export function noteOnInterrupt(next: (() => string) | undefined): void {
  note = next;
}

/** The line to print on an interrupt, if a command left one. */
export function interruptNote(): string | undefined {
  return note?.();
}

/**
 * Whether an interrupt should end the command gracefully now (the binary aborts its signal
 * instead of exiting): `enqueue --wait` once it is loaded and connected and sends its job, so
 * that the command names the job it leaves running. Before that a signal ends it at once,
 * enqueueing nothing, as any command still loading or connecting.
 */
let gracefulNow = false;

export function interruptGracefully(on: boolean): void {
  gracefulNow = on;
}

export function interruptsGracefully(): boolean {
  return gracefulNow;
}
