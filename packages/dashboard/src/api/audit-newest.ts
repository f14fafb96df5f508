import type { AuditEntry } from '@conveyor/core';
import type { DashboardCore } from '../context.js';
import { DashboardError, quote } from '../errors.js';

/**
 * How far back newest-first pages reach: the most entries one `listAudit` call answers. The
 * transport reads the log forward from an id, or its newest entries; it cannot read backward
 * from an id, so an older page is found among the newest entries.
 */
export const AUDIT_NEWEST_WINDOW = 1000;

/** Entries per newest-first page: 1–200, 50 by default. */
export const AUDIT_PAGE_LIMITS = { min: 1, max: 200, fallback: 50 } as const;

/** A newest-first page of the audit log. */
export interface AuditNewestPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** The `before` of the next (older) page; null when there is none within reach. */
  next: string | null;
  /**
   * True when the page ends at {@link AUDIT_NEWEST_WINDOW} entries back and older ones may
   * exist: read those oldest first, with `after`.
   */
  truncated: boolean;
}

/**
 * Reads `limit` entries older than `before` (or the newest ones), newest first. It reads the
 * log's newest entries, a few times more each round, until the page and one entry beyond it
 * (to know whether there is a next page) are inside what it read: about the page's depth in
 * entries, and never more than {@link AUDIT_NEWEST_WINDOW}.
 */
export async function readAuditNewestFirst(
  core: DashboardCore,
  query: { jobId?: string | undefined; before?: string | undefined; limit: number },
): Promise<AuditNewestPage> {
  const { jobId, before, limit } = query;
  let read = Math.min(AUDIT_NEWEST_WINDOW, (before === undefined ? 1 : 4) * (limit + 1));
  const grow = (atLeast: number): void => {
    read = Math.min(AUDIT_NEWEST_WINDOW, Math.max(atLeast, read * 4));
  };
  for (;;) {
    const chunk = await core.admin.listAudit({
      ...(jobId === undefined ? {} : { jobId }),
      limit: read,
    });
    // Fewer than asked: the whole log (or the job's whole list) is in `chunk`.
    const whole = chunk.length < read;
    const full = read === AUDIT_NEWEST_WINDOW;
    const newest = chunk.reverse();
    let start = 0;
    if (before !== undefined) {
      const at = newest.findIndex((entry) => entry.id === before);
      if (at < 0) {
        if (whole || full) throw beforeUnknown(before, whole);
        grow(read + 1);
        continue;
      }
      start = at + 1;
    }
    const end = start + limit;
    if (newest.length <= end && !whole && !full) {
      grow(end + 1);
      continue;
    }
    const entries = newest.slice(start, end);
    const more = newest.length > end;
    return {
      entries,
      next: more ? (entries[entries.length - 1]?.id ?? null) : null,
      truncated: !more && !whole,
    };
  }
}

function beforeUnknown(before: string, whole: boolean): DashboardError {
  return new DashboardError(
    'BAD_REQUEST',
    whole
      ? `Invalid before ${quote(before)}: no audit entry has this id (any more); start again from the newest page.`
      : `Invalid before ${quote(before)}: not among the newest ${AUDIT_NEWEST_WINDOW.toLocaleString('en-US')} audit entries, as far back as newest-first pages reach; read older entries oldest first, with after.`,
  );
}
