import {
  AUDIT_LIMITS,
  type AuditEntry,
  type AuditEntryInput,
  InvalidOptionError,
  type JsonValue,
} from '@conveyor/core';
import { Cluster, type Redis } from 'ioredis';
import { redisCall } from './call.js';

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

/** Jobs whose lists one round trip of `appendAudit` writes (three commands each). */
const JOB_PUSH_CHUNK = 500;

/** A stream id, or its milliseconds alone (`0` asks for everything). */
const STREAM_ID = /^(\d{1,16})(?:-(\d{1,16}))?$/;

export interface RedisAudit {
  appendAudit(entry: AuditEntryInput): Promise<AuditEntry>;
  listAudit(query: {
    after?: string;
    before?: string;
    jobId?: string;
    limit: number;
  }): Promise<AuditEntry[]>;
}

/**
 * The audit log on Redis [A12]. Entries go to a stream trimmed to about
 * `AUDIT_LIMITS.entries` (`XADD MAXLEN ~`), whose ids order them and give their time (Redis
 * clock); an entry about a job (its `jobId`, each of its `jobIds`) is also pushed, as JSON, to
 * that job's list, which keeps its newest `AUDIT_LIMITS.perJob` for {@link JOB_AUDIT_TTL_MS}
 * after the last one, even when the stream has dropped them. The stream keeps the first
 * `AUDIT_LIMITS.jobIdsKept` of `jobIds` and `jobIdCount`; a job's list, `jobIdCount` alone.
 */
export function createRedisAudit(options: {
  commands: Redis | Cluster;
  prefix: string;
}): RedisAudit {
  const { commands } = options;
  const keys = auditKeys(options.prefix);
  const isCluster = commands instanceof Cluster;

  /**
   * LPUSH + LTRIM + PEXPIRE of one entry on each job's list, {@link JOB_PUSH_CHUNK} jobs a
   * round trip: standalone, one pipeline per chunk; Cluster, one MULTI per job (each list is
   * its own slot), a chunk at a time.
   */
  async function pushToJobs(jobs: readonly string[], text: string): Promise<void> {
    const push = (pipeline: ReturnType<Redis['pipeline']>, jobId: string) => {
      const own = keys.ofJob(jobId);
      return pipeline
        .lpush(own, text)
        .ltrim(own, 0, AUDIT_LIMITS.perJob - 1)
        .pexpire(own, JOB_AUDIT_TTL_MS);
    };
    const run = async (pipeline: ReturnType<Redis['pipeline']>) => {
      const replies = await pipeline.exec();
      const failed = replies?.find(([error]) => error)?.[0];
      if (failed) throw failed;
    };
    for (let start = 0; start < jobs.length; start += JOB_PUSH_CHUNK) {
      const chunk = jobs.slice(start, start + JOB_PUSH_CHUNK);
      await redisCall(
        'append-audit',
        async () => {
          if (isCluster) {
            await Promise.all(chunk.map((jobId) => run(push(commands.multi(), jobId))));
          } else {
            const pipeline = commands.pipeline();
            for (const jobId of chunk) push(pipeline, jobId);
            await run(pipeline);
          }
        },
        commands,
      );
    }
  }

  return {
    async appendAudit(input) {
      const fields = ['actor', input.actor, 'action', input.action];
      if (input.jobId !== undefined) fields.push('jobId', input.jobId);
      const named = [...new Set(input.jobIds ?? [])];
      if (named.length > 0) {
        // The stream keeps the first ids and the count, never a 10,000-id entry.
        fields.push('jobIds', JSON.stringify(named.slice(0, AUDIT_LIMITS.jobIdsKept)));
        fields.push('jobIdCount', String(named.length));
      }
      if (input.queue !== undefined) fields.push('queue', input.queue);
      const detail = input.detail === undefined ? undefined : JSON.stringify(input.detail);
      if (detail !== undefined) fields.push('detail', detail);
      const id = await redisCall(
        'append-audit',
        () => commands.xadd(keys.log, 'MAXLEN', '~', AUDIT_LIMITS.entries, '*', ...fields),
        commands,
      );
      const entry = entryOf(String(id), fields);
      const jobs = [...new Set(input.jobId === undefined ? named : [input.jobId, ...named])];
      if (jobs.length > 0) {
        // A job's list holds the entry without the ids: one bulk action stores its detail
        // once per job, not its id list too.
        const { jobIds: _kept, ...ofJob } = entry;
        await pushToJobs(jobs, JSON.stringify(ofJob));
      }
      return entry;
    },

    async listAudit({ after, before, jobId, limit }) {
      const from = after === undefined ? undefined : streamId(after, 'audit after');
      const to = before === undefined ? undefined : streamId(before, 'audit before');
      if (jobId !== undefined) {
        // At most AUDIT_LIMITS.perJob entries, newest first: read whole, filtered here.
        const texts = await redisCall(
          'list-audit',
          () => commands.lrange(keys.ofJob(jobId), 0, -1),
          commands,
        );
        const entries = texts.flatMap(parseStored).reverse();
        if (from !== undefined) {
          return entries
            .filter((entry) => compareIds(streamId(entry.id), from) > 0)
            .slice(0, limit);
        }
        if (to !== undefined) {
          return entries.filter((entry) => compareIds(streamId(entry.id), to) < 0).slice(-limit);
        }
        return entries.slice(-limit);
      }
      if (after !== undefined) {
        const later = await redisCall(
          'list-audit',
          () => commands.xrange(keys.log, `(${after}`, '+', 'COUNT', limit),
          commands,
        );
        return later.map(([id, fields]) => entryOf(id, fields));
      }
      // Nothing is before the first id (and Redis refuses the range).
      if (to !== undefined && to[0] === 0 && to[1] === 0) return [];
      // Backward from `before` (exclusive), or from the end: newest first, then turned.
      const older = await redisCall(
        'list-audit',
        () =>
          commands.xrevrange(
            keys.log,
            before === undefined ? '+' : `(${before}`,
            '-',
            'COUNT',
            limit,
          ),
        commands,
      );
      return older.map(([id, fields]) => entryOf(id, fields)).reverse();
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
      case 'jobIds':
        entry.jobIds = parseIds(value);
        break;
      case 'jobIdCount':
        entry.jobIdCount = Number(value);
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

function parseIds(text: string): string[] {
  const ids = parseDetail(text);
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
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

/** `[ms, seq]` of a stream id, or throws INVALID_OPTION (naming `option`) for what is not one. */
function streamId(id: string, option = 'audit id'): [number, number] {
  const match = STREAM_ID.exec(id);
  if (!match) {
    throw new InvalidOptionError(option, id, 'the id of an entry of this audit log, or 0');
  }
  return [Number(match[1]), Number(match[2] ?? 0)];
}

function compareIds(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}
