/** Pause between tries to give back the jobs of a reserve call whose reply was lost. */
const LOST_RETRY_MS = 250;

/** A reserve call whose jobs are to be given back (release-call.lua). */
interface LostCall {
  callToken: string;
  held: readonly string[];
  /** Date.now() after which its leases have run out anyway. */
  until: number;
  done: () => void;
}

/**
 * Gives back the jobs a reserve call leased that its reserve does not hold
 * (release-call.lua), tried until it answers or the leases would have run out anyway. A
 * job left leased to nobody waits out its lease and loses an attempt unrun. During an
 * outage every failed reserve adds one: a queue's are sent one after another, not all at
 * once when Redis is back. The returned function resolves once that call's turn is over.
 */
export function createLostCalls(deps: {
  releaseCall(queue: string, callToken: string, held: readonly string[]): Promise<unknown>;
  isClosed(): boolean;
}): (queue: string, callToken: string, held: readonly string[], leaseMs: number) => Promise<void> {
  /** Per queue, the calls whose jobs are still to give back, tried one at a time. */
  const lostCalls = new Map<string, LostCall[]>();
  return (queue, callToken, held, leaseMs) =>
    new Promise<void>((done) => {
      const call: LostCall = { callToken, held, until: Date.now() + leaseMs, done };
      const waiting = lostCalls.get(queue);
      if (waiting) {
        waiting.push(call);
        return;
      }
      const calls = [call];
      lostCalls.set(queue, calls);
      void (async () => {
        for (let next = calls[0]; next; next = calls[0]) {
          try {
            await deps.releaseCall(queue, next.callToken, next.held);
          } catch {
            if (Date.now() < next.until && !deps.isClosed()) {
              await new Promise((resolve) => setTimeout(resolve, LOST_RETRY_MS));
              continue;
            }
          }
          calls.shift();
          next.done();
        }
        lostCalls.delete(queue);
      })();
    });
}
