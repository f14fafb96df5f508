import {
  AUDIT_LIMITS,
  type AuditEntry,
  type AuditEntryInput,
  InvalidOptionError,
  type JsonValue,
} from '@conveyor/core';
import type { Cluster, Redis } from 'ioredis';
import { redisCall } from './errors.js';

/**
 * The audit log's keys, outside any queue: a stream of every entry (`P:audit`) and a list
 * per job (`P:audit:<job id>`). Each command touches one key, so they run on Cluster.
 */
export function auditKeys(prefix: string): { log: string; ofJob(jobId: string): string } {
  return {
    log: `${prefix}:audit`,
    ofJob: (jobId) => `${prefix}:audit:${jobId}`,
  };
}

/** How long a job's audit list is kept after its last entry: 30 days. */
export const JOB_AUDIT_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** A stream id, or its milliseconds alone (`0` asks for everything). */
const STREAM_ID = /^(\d{1,16})(?:-(\d{1,16}))?$/;

export interface RedisAudit {
  appendAudit(entry: AuditEntryInput): Promise<AuditEntry>;
  listAudit(query: { after?: string; jobId?: string; limit: number }): Promise<AuditEntry[]>;
}

/**
 * The audit log on Redis [A12]. Entries go to a stream trimmed to about
 * `AUDIT_LIMITS.entries` (`XADD MAXLEN ~`), whose ids order them and give their time (Redis
 * clock); an entry about a job is also pushed, as JSON, to that job's list, which keeps its
 * newest `AUDIT_LIMITS.perJob` for {@link JOB_AUDIT_TTL_MS} after the last one, even when the
 * stream has dropped them.
 */
export function createRedisAudit(options: {
  commands: Redis | Cluster;
  prefix: string;
}): RedisAudit {
  const { commands } = options;
  const keys = auditKeys(options.prefix);

  return {
    async appendAudit(input) {
      const fields = ['actor', input.actor, 'action', input.action];
      if (input.jobId !== undefined) fields.push('jobId', input.jobId);
      if (input.queue !== undefined) fields.push('queue', input.queue);
      const detail = input.detail === undefined ? undefined : JSON.stringify(input.detail);
      if (detail !== undefined) fields.push('detail', detail);
      const id = await redisCall('append-audit', () =>
        commands.xadd(keys.log, 'MAXLEN', '~', AUDIT_LIMITS.entries, '*', ...fields),
      );
      const entry = entryOf(String(id), fields);
      if (input.jobId !== undefined) {
        const own = keys.ofJob(input.jobId);
        await redisCall('append-audit', async () => {
          const replies = await commands
            .multi()
            .lpush(own, JSON.stringify(entry))
            .ltrim(own, 0, AUDIT_LIMITS.perJob - 1)
            .pexpire(own, JOB_AUDIT_TTL_MS)
            .exec();
          const failed = replies?.find(([error]) => error)?.[0];
          if (failed) throw failed;
        });
      }
      return entry;
    },

    async listAudit({ after, jobId, limit }) {
      const from = after === undefined ? undefined : streamId(after);
      if (jobId !== undefined) {
        const texts = await redisCall('list-audit', () =>
          commands.lrange(keys.ofJob(jobId), 0, -1),
        );
        const entries = texts.flatMap(parseStored).reverse();
        if (from === undefined) return entries.slice(-limit);
        return entries.filter((entry) => compareIds(streamId(entry.id), from) > 0).slice(0, limit);
      }
      if (after === undefined) {
        const newest = await redisCall('list-audit', () =>
          commands.xrevrange(keys.log, '+', '-', 'COUNT', limit),
        );
        return newest.map(([id, fields]) => entryOf(id, fields)).reverse();
      }
      const later = await redisCall('list-audit', () =>
        commands.xrange(keys.log, `(${after}`, '+', 'COUNT', limit),
      );
      return later.map(([id, fields]) => entryOf(id, fields));
    },
  };
}

/** An entry out of its stream id and `[field, value, …]`. */
function entryOf(id: string, fields: readonly string[]): AuditEntry {
  const entry: AuditEntry = { id, at: Number(id.slice(0, id.indexOf('-'))), actor: '', action: '' };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1] as string;
    switch (fields[i]) {
      case 'actor':
        entry.actor = value;
        break;
      case 'action':
        entry.action = value;
        break;
      case 'jobId':
        entry.jobId = value;
        break;
      case 'queue':
        entry.queue = value;
        break;
      case 'detail':
        entry.detail = parseDetail(value);
        break;
    }
  }
  return entry;
}

function parseDetail(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** An entry of a job's list; none when it is not one (written by something else). */
function parseStored(text: string): AuditEntry[] {
  try {
    const entry = JSON.parse(text) as AuditEntry;
    return typeof entry?.id === 'string' && STREAM_ID.test(entry.id) ? [entry] : [];
  } catch {
    return [];
  }
}

/** `[ms, seq]` of a stream id, or throws INVALID_OPTION for what is not one. */
function streamId(id: string): [number, number] {
  const match = STREAM_ID.exec(id);
  if (!match) {
    throw new InvalidOptionError('audit after', id, 'the id of an entry of this audit log, or 0');
  }
  return [Number(match[1]), Number(match[2] ?? 0)];
}

function compareIds(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}
