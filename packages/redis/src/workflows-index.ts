import {
  ENDED_WORKFLOW_STATUSES,
  type EndedWorkflowStatus,
  type IdleWorkflow,
} from '@conveyor/core';
import type { Cluster, Redis } from 'ioredis';
import { redisCall } from './call.js';
import { workflowIndexKeys } from './keys.js';
import { runScript } from './scripts.js';
import type { IndexOps } from './wire/workflow-calls.js';

// The cross-workflow indexes `stale` and `idle` read [W8, W15]. A workflow's record lives in
// its own slot (`{wf:<id>}`); a list across workflows cannot, on a Cluster, so two sorted
// sets in a slot of their own (`{wf-index}`) hold hints, updated by a separate call after
// the workflow's script (wf-index.lua):
// - `idle`: running workflows, scored by an updatedAt no later than the record's. Written at
//   start and retry (not at every change: a score that lags only costs a check), removed
//   when the workflow ends.
// - `outbox`: workflows that may have outbox entries, scored by an oldest entry's time no
//   later than the record's. Written when entries are added, removed when the outbox empties.
// - `started`: the members of `idle`, each with the score it entered `idle` with (the start,
//   or the retry that made an ended workflow run again), never moved: `running` pages through
//   it in order, reading about a page of records whatever the number running.
// - `ended:<status>`, one per ended status: workflows that ended so, scored by finishedAt.
//   Written by the call that ended the workflow, removed by the start or retry that made it
//   run again (a script's report, never a reader's correction: a correction read before the
//   end must not take the end back), trimmed of records past the result TTL at each end.
//   `ended` pages through it newest first, dropping entries whose record says otherwise.
// Why hints are safe: every update carries the record's version (one more at every change)
// and wf-index.lua ignores one older than the last applied, so updates that reach the index
// out of order (two processes, one slow) cannot undo a newer one: a running workflow is never
// missing from `idle`, nor one with entries from `outbox`, and no score is later than the
// record's. The readers check each candidate against its record (wf-peek.lua), answer only
// those that qualify, and correct the index (scores, entries of ended or expired workflows)
// with the version they read. A score that lags makes a candidate that does not qualify yet:
// one check more, never a workflow left out.

/** Candidates read per ZRANGEBYSCORE page. */
const PAGE = 200;
/** Groups per wf-index.lua call. */
const FIX_CHUNK = 500;
/** The version of a correction for a workflow that is gone (expired): it cannot come back. */
const GONE_VERSION = String(Number.MAX_SAFE_INTEGER);

/** What wf-peek.lua reads of one workflow. */
export interface WorkflowPeek {
  exists: boolean;
  status: string;
  version: string;
  updatedAt: number;
  /** The oldest outbox entry's `at`, or -1 for an empty outbox. */
  oldest: number;
  /** When it ended, or undefined while it runs. */
  finishedAt: number | undefined;
}

export interface WorkflowIndexOptions {
  commands: Redis | Cluster;
  prefix: string;
  /** How long a finished workflow's record is kept: ended entries older are trimmed. */
  resultTtlMs: number;
  peek(id: string): Promise<WorkflowPeek>;
}

export interface WorkflowIndex {
  /** Applies what a workflow script reported (its `ops`). */
  report(id: string, ops: IndexOps): Promise<void>;
  stale(before: number, limit: number): Promise<string[]>;
  idle(before: number, limit: number, after?: IdleWorkflow): Promise<IdleWorkflow[]>;
  running(limit: number, after?: IdleWorkflow): Promise<IdleWorkflow[]>;
  ended(status: EndedWorkflowStatus, limit: number, after?: IdleWorkflow): Promise<IdleWorkflow[]>;
}

/** Values per wf-index.lua group: id, version, idle op, outbox op, ended op. */
const GROUP = 5;

export function createWorkflowIndex(options: WorkflowIndexOptions): WorkflowIndex {
  const { commands, peek } = options;
  const keys = workflowIndexKeys(options.prefix);
  const [idleKey, outboxKey, versionsKey, startedKey] = keys as [string, string, string, string];
  const endedKeys = new Map(
    ENDED_WORKFLOW_STATUSES.map((status, n) => [status, keys[4 + n] as string]),
  );
  const ttl = String(options.resultTtlMs);

  const update = (groups: readonly string[]) =>
    redisCall('wf-index', () => runScript(commands, 'wf-index', keys, [ttl, ...groups]), commands);
  const updateAll = async (groups: readonly string[]) => {
    for (let start = 0; start < groups.length; start += FIX_CHUNK * GROUP) {
      await update(groups.slice(start, start + FIX_CHUNK * GROUP));
    }
  };

  /** The index's correction for what a peek found, as wf-index.lua takes it. */
  const fixOf = (id: string, state: WorkflowPeek): string[] =>
    state.exists
      ? [
          id,
          state.version,
          state.status === 'running' ? `+${state.updatedAt}` : '-',
          state.oldest >= 0 ? `+${state.oldest}` : '-',
          '',
        ]
      : [id, GONE_VERSION, '-', '-', '-'];

  /**
   * Workflows of one index whose time (updatedAt of a running one, or the oldest outbox
   * entry's) is before `before`, oldest first, checked against their records. Candidates
   * come in score order and a score is never later than the record's time, so once a
   * candidate's score passes the `limit`-th time found, no later one can come before it.
   * With `after`, only workflows after it (by time, then id) are answered; those before it
   * are still read, since a score that lags may hide a time past it.
   */
  async function scan(
    which: 'idle' | 'outbox',
    before: number,
    limit: number,
    after?: IdleWorkflow,
  ): Promise<IdleWorkflow[]> {
    const key = which === 'idle' ? idleKey : outboxKey;
    const found: Array<{ id: string; at: number }> = [];
    const fixes: string[] = [];
    const seen = new Set<string>();
    let bound = Number.POSITIVE_INFINITY;
    // Pages from the score the last one ended at, past the entries of it already read, as
    // walk() reads them: an offset would shift with every entry removed meanwhile.
    let from = '-inf';
    let tie = 0;
    for (;;) {
      const [start, offset] = [from, tie];
      const page = await redisCall(
        'wf-index-scan',
        () => commands.zrangebyscore(key, start, `(${before}`, 'WITHSCORES', 'LIMIT', offset, PAGE),
        commands,
      );
      const ids: string[] = [];
      let passed = false;
      for (let i = 0; i + 1 < page.length; i += 2) {
        if (Number(page[i + 1]) > bound) {
          passed = true;
          break;
        }
        if (page[i + 1] === from) tie += 1;
        else [from, tie] = [page[i + 1] as string, 1];
        const id = page[i] as string;
        if (!seen.has(id)) ids.push(id);
        seen.add(id);
      }
      const peeks = await Promise.all(ids.map((id) => peek(id)));
      peeks.forEach((state, n) => {
        const id = ids[n] as string;
        fixes.push(...fixOf(id, state));
        if (!state.exists) return;
        const running = state.status === 'running';
        const at = which === 'idle' ? (running ? state.updatedAt : -1) : state.oldest;
        const behind = after && (at < after.at || (at === after.at && id <= after.id));
        if (at >= 0 && at < before && !behind) found.push({ id, at });
      });
      found.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
      if (found.length >= limit) bound = (found[limit - 1] as { at: number }).at;
      if (passed || page.length < PAGE * 2) break;
    }
    await updateAll(fixes);
    return found.slice(0, limit);
  }

  /**
   * Walks one sorted set from `after` on (ascending by score then id, or descending), and
   * peeks its candidates only as many at a time as are still wanted: `limit` answered where
   * `keep` holds, each other one handed to `drop`. A call costs about `limit` peeks plus one
   * for each entry that no longer qualifies. Each page is read from the score the last one
   * ended at, past the entries of that score already read, not at an offset from the start:
   * entries added or removed before the cursor meanwhile (a run that ended, one retried and
   * dropped) would shift an offset and make the walk read one twice or miss one.
   */
  async function walk(
    key: string,
    order: 'asc' | 'desc',
    limit: number,
    after: IdleWorkflow | undefined,
    keep: (candidate: IdleWorkflow, state: WorkflowPeek) => boolean,
    drop: (candidate: IdleWorkflow, state: WorkflowPeek) => void,
  ): Promise<IdleWorkflow[]> {
    const found: IdleWorkflow[] = [];
    const seen = new Set<string>();
    const passed = (entry: IdleWorkflow, cursor: IdleWorkflow) =>
      entry.at === cursor.at && (order === 'asc' ? entry.id <= cursor.id : entry.id >= cursor.id);
    // The score the next page starts at (inclusive), and how many entries of it were read.
    let from = after ? String(after.at) : order === 'asc' ? '-inf' : '+inf';
    let tie = 0;
    while (found.length < limit) {
      const start = from;
      const offset = tie;
      const page = await redisCall(
        'wf-index-scan',
        () =>
          order === 'asc'
            ? commands.zrangebyscore(key, start, '+inf', 'WITHSCORES', 'LIMIT', offset, PAGE)
            : commands.zrevrangebyscore(key, start, '-inf', 'WITHSCORES', 'LIMIT', offset, PAGE),
        commands,
      );
      const candidates: IdleWorkflow[] = [];
      for (let i = 0; i + 1 < page.length; i += 2) {
        const entry = { id: page[i] as string, at: Number(page[i + 1]) };
        if (String(entry.at) === from) tie += 1;
        else [from, tie] = [String(entry.at), 1];
        if (seen.has(entry.id) || (after && passed(entry, after))) continue;
        seen.add(entry.id);
        candidates.push(entry);
      }
      for (let next = 0; next < candidates.length && found.length < limit; ) {
        const batch = candidates.slice(next, next + limit - found.length);
        next += batch.length;
        const peeks = await Promise.all(batch.map(({ id }) => peek(id)));
        peeks.forEach((state, n) => {
          const candidate = batch[n] as IdleWorkflow;
          if (keep(candidate, state)) found.push(candidate);
          else drop(candidate, state);
        });
      }
      if (page.length < PAGE * 2) break;
    }
    return found;
  }

  /**
   * Running workflows in `started` order after `after`, checked against their records; an
   * entry of a workflow that has ended since is removed.
   */
  async function running(limit: number, after?: IdleWorkflow): Promise<IdleWorkflow[]> {
    const fixes: string[] = [];
    const found = await walk(
      startedKey,
      'asc',
      limit,
      after,
      (_, state) => state.exists && state.status === 'running',
      (candidate, state) => fixes.push(...fixOf(candidate.id, state)),
    );
    await updateAll(fixes);
    return found;
  }

  /**
   * Workflows that ended with `status`, newest first, after `after`, checked against their
   * records: one whose record is gone, runs again or ended at another time is left out and
   * its entry dropped (only while it still has the score read, so an end reported meanwhile
   * stays).
   */
  async function ended(
    status: EndedWorkflowStatus,
    limit: number,
    after?: IdleWorkflow,
  ): Promise<IdleWorkflow[]> {
    const key = endedKeys.get(status) as string;
    const wrong: string[] = [];
    const gone: string[] = [];
    const found = await walk(
      key,
      'desc',
      limit,
      after,
      (candidate, state) =>
        state.exists && state.status === status && state.finishedAt === candidate.at,
      (candidate, state) => {
        wrong.push(candidate.id, String(candidate.at));
        if (!state.exists) gone.push(...fixOf(candidate.id, state));
      },
    );
    if (wrong.length > 0) {
      const fixKeys = [key, versionsKey, idleKey, outboxKey];
      await redisCall(
        'wf-ended-fix',
        () => runScript(commands, 'wf-ended-fix', fixKeys, wrong),
        commands,
      );
    }
    await updateAll(gone);
    return found;
  }

  return {
    async report(id, ops) {
      // A start or retry (idle `+` from a script) makes the workflow run again: it leaves
      // the ended sets. Readers' corrections (fixOf) never do.
      const endedOp = ops.ended !== '' ? ops.ended : ops.idle.startsWith('+') ? '-' : '';
      if (ops.idle === '' && ops.outbox === '' && endedOp === '') return;
      await update([id, ops.version, ops.idle, ops.outbox, endedOp]);
    },
    stale: async (before, limit) => (await scan('outbox', before, limit)).map((entry) => entry.id),
    idle: (before, limit, after) => scan('idle', before, limit, after),
    running,
    ended,
  };
}
