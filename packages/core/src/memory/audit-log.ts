import { InvalidOptionError } from '../errors.js';
import { AUDIT_LIMITS, type AuditEntry, type AuditEntryInput } from '../transport-admin.js';

interface StoredEntry {
  readonly seq: number;
  /** As the global log answers it: `jobIds` cut to `AUDIT_LIMITS.jobIdsKept`. */
  readonly entry: AuditEntry;
  /** As a job's list answers it: without `jobIds`. */
  readonly ofJob: AuditEntry;
  /** Every job whose list holds it: `jobId` and the distinct `jobIds`. */
  readonly jobs: readonly string[];
}

/**
 * The memory transport's audit log [A12]: the newest `AUDIT_LIMITS.entries` entries, and
 * per job (its `jobId` and each of its `jobIds`) the newest `AUDIT_LIMITS.perJob`. Ids are sequence numbers written as decimal
 * strings; callers treat them as opaque, and this log compares them as numbers.
 */
export interface AuditLog {
  append(input: AuditEntryInput, now: number): AuditEntry;
  list(query: { after?: string; before?: string; jobId?: string; limit: number }): AuditEntry[];
}

export function createAuditLog(): AuditLog {
  // Oldest first. The global log drops from the front; a job's list too, and an entry
  // the global log drops is its job's oldest, so it leaves both.
  const all: StoredEntry[] = [];
  let start = 0;
  const byJob = new Map<string, StoredEntry[]>();
  let lastSeq = 0;

  function dropOldest(): void {
    const dropped = all[start] as StoredEntry;
    start++;
    // Compact now and then instead of shifting on every drop.
    if (start > AUDIT_LIMITS.entries) {
      all.splice(0, start);
      start = 0;
    }
    for (const jobId of dropped.jobs) {
      const own = byJob.get(jobId);
      if (own?.[0] === dropped) own.shift();
      if (own?.length === 0) byJob.delete(jobId);
    }
  }

  return {
    append(input, now) {
      const seq = ++lastSeq;
      const entry: AuditEntry = {
        id: String(seq),
        at: now,
        actor: input.actor,
        action: input.action,
      };
      if (input.jobId !== undefined) entry.jobId = input.jobId;
      if (input.queue !== undefined) entry.queue = input.queue;
      // Stored as JSON would carry it: a Date becomes a string, undefined properties go.
      if (input.detail !== undefined) entry.detail = JSON.parse(JSON.stringify(input.detail));
      const ofJob: AuditEntry = { ...entry };
      const named = [...new Set(input.jobIds ?? [])];
      if (named.length > 0) {
        entry.jobIds = named.slice(0, AUDIT_LIMITS.jobIdsKept);
        entry.jobIdCount = named.length;
        ofJob.jobIdCount = named.length;
      }
      const jobs = [...new Set(input.jobId === undefined ? named : [input.jobId, ...named])];
      const stored: StoredEntry = { seq, entry, ofJob, jobs };
      all.push(stored);
      if (all.length - start > AUDIT_LIMITS.entries) dropOldest();
      for (const jobId of jobs) {
        let own = byJob.get(jobId);
        if (!own) {
          own = [];
          byJob.set(jobId, own);
        }
        own.push(stored);
        if (own.length > AUDIT_LIMITS.perJob) own.shift();
      }
      return structuredClone(entry);
    },

    list({ after, before, jobId, limit }) {
      const source = jobId === undefined ? all.slice(start) : (byJob.get(jobId) ?? []);
      let picked: StoredEntry[];
      if (after !== undefined) {
        const from = parseId(after, 'audit after');
        const first = source.findIndex((stored) => stored.seq > from);
        picked = first < 0 ? [] : source.slice(first, first + limit);
      } else if (before !== undefined) {
        const to = parseId(before, 'audit before');
        // The first entry at or past `before`; all are before it when there is none.
        const end = source.findIndex((stored) => stored.seq >= to);
        const older = end < 0 ? source : source.slice(0, end);
        picked = older.slice(-limit);
      } else {
        picked = source.slice(-limit);
      }
      return picked.map((stored) =>
        structuredClone(jobId === undefined ? stored.entry : stored.ofJob),
      );
    },
  };
}

function parseId(id: string, option: string): number {
  if (!/^\d{1,16}$/.test(id)) {
    throw new InvalidOptionError(option, id, 'the id of an entry of this audit log');
  }
  return Number(id);
}
