import type { Logger, TransportAdmin, WorkerRecord } from '@conveyor/core';

export interface Presence {
  /** Stores the current record (start, every heartbeat). Never rejects. */
  publish(): Promise<void>;
  /** Removes the record (clean stop). Never rejects. */
  remove(): Promise<void>;
}

/**
 * The worker's record in the transport, so that `conveyor status` lists live workers.
 * It expires `ttlMs` after the last publish, so a killed worker drops out on its own.
 * Without `admin` on the transport, it does nothing.
 */
export function createPresence(options: {
  admin: TransportAdmin | undefined;
  id: string;
  ttlMs: number;
  logger: Logger;
  record: () => WorkerRecord;
}): Presence {
  const { admin, id, ttlMs, logger } = options;
  let failing = false;
  return {
    async publish() {
      if (!admin) return;
      try {
        await admin.putWorker(options.record(), ttlMs);
        if (failing) logger.info('worker record published again');
        failing = false;
      } catch (error) {
        // Once per outage: a broker that is down is reported by the renew calls too.
        if (!failing) logger.warn({ err: error }, 'publishing the worker record failed');
        failing = true;
      }
    },
    async remove() {
      if (!admin) return;
      try {
        await admin.removeWorker(id);
      } catch (error) {
        logger.warn({ err: error }, 'removing the worker record failed; it expires after its ttl');
      }
    },
  };
}
