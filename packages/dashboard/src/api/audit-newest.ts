import type { AuditEntry } from '@conveyor/core';
import type { DashboardCore } from '../context.js';

/** Entries per newest-first page: 1–200, 50 by default. */
export const AUDIT_PAGE_LIMITS = { min: 1, max: 200, fallback: 50 } as const;

/** A newest-first page of the audit log. */
export interface AuditNewestPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** The `before` of the next (older) page; null when there is none. */
  next: string | null;
}

/**
 * Reads `limit` entries older than `before` (or the newest ones), newest first: one
 * `listAudit({ before, limit: limit + 1 })`, the entry beyond the page saying whether there
 * is a next one. A page is anchored on an id, so entries written meanwhile do not shift it,
 * and it reaches as far back as the log keeps.
 */
export async function readAuditNewestFirst(
  core: DashboardCore,
  query: { jobId?: string | undefined; before?: string | undefined; limit: number },
): Promise<AuditNewestPage> {
  const { jobId, before, limit } = query;
  const oldestFirst = await core.admin.listAudit({
    ...(jobId === undefined ? {} : { jobId }),
    ...(before === undefined ? {} : { before }),
    limit: limit + 1,
  });
  const more = oldestFirst.length > limit;
  const entries = oldestFirst.slice(more ? 1 : 0).reverse();
  return { entries, next: more ? (entries[entries.length - 1]?.id ?? null) : null };
}
