/**
 * - `granted`: the permit or slot is yours.
 * - `denied`: not now; try again after `retryInMs` (a best guess, at least 1).
 */
export type LimitAnswer = { granted: true } | { granted: false; retryInMs: number };

/**
 * The longest `retryInMs` a denied `acquireSlot` answers. Slots usually free long before
 * their lease runs out (a job ends and frees its slot), and nothing tells a waiter when
 * that happens, so it asks again after this much at the latest.
 */
export const SLOT_RETRY_MAX_MS = 100;

/**
 * Limits shared by every worker on the same broker: a rate limit and a concurrency cap
 * per task (or any key). Optional on a {@link Transport} (`transport.limits`); both
 * built-in transports have it. Times come from the broker's clock.
 */
export interface TransportLimits {
  /**
   * Takes one permit of `key` if fewer than `limit` were taken in the last `windowMs`
   * (a sliding window across all workers).
   */
  takeRate(key: string, limit: number, windowMs: number): Promise<LimitAnswer>;
  /**
   * Takes one of `cap` slots of `key` for `holder` (a lease token), for `leaseMs`. A slot
   * whose holder neither renews nor frees it frees itself after `leaseMs`, so a
   * crashed worker never keeps one. Taking a slot the holder already has renews it.
   */
  acquireSlot(key: string, cap: number, holder: string, leaseMs: number): Promise<LimitAnswer>;
  /** Extends the slots of many holders in one call (the worker heartbeat). */
  renewSlots(slots: readonly { key: string; holder: string }[], leaseMs: number): Promise<void>;
  /** Frees slots at once. Unknown holders are ignored. */
  freeSlots(slots: readonly { key: string; holder: string }[]): Promise<void>;
}
