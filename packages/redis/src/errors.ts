import { ConveyorError, type EnqueueRequest, TransportError } from '@conveyor/core';

/**
 * Why a Redis operation failed, stable for matching:
 * - `OOM`: Redis is at `maxmemory` (with `noeviction`) and refuses writes.
 * - `MISCONF`: Redis cannot persist (RDB/AOF error) and refuses writes.
 * - `READONLY`: the connection reached a replica (failover in progress, wrong endpoint).
 * - `CONNECTION`: Redis could not be reached in time (down, restarting, network).
 * - `AUTH`: Redis refused the user and password (`WRONGPASS`), or wants one (`NOAUTH`).
 * - `CLUSTER`: a Cluster node is down, failing over or resharding (`CLUSTERDOWN`, `TRYAGAIN`,
 *   `CROSSSLOT`, redirections to a node that does not answer).
 *   Also the wrong client for the server: a plain connection to a cluster node (`MOVED`),
 *   or a Cluster client on a Redis that is not a cluster.
 * - `SCRIPT`: a Conveyor script failed; a bug or keys written by something else.
 * - `UNKNOWN`: any other reply error.
 */
export type RedisFailure =
  | 'OOM'
  | 'MISCONF'
  | 'READONLY'
  | 'CONNECTION'
  | 'AUTH'
  | 'CLUSTER'
  | 'SCRIPT'
  | 'CORRUPT'
  | 'UNKNOWN';

const ADVICE: Record<RedisFailure, string> = {
  OOM: 'Redis is out of memory: raise maxmemory, drain queues, or lower result TTLs and retention.',
  MISCONF: 'Redis cannot persist to disk and refuses writes: check its log and disk space.',
  READONLY:
    'The connection reached a read-only replica: check the URL or wait for the failover to finish.',
  CONNECTION:
    'Redis could not be reached: check that it is running and reachable; the client keeps reconnecting.',
  AUTH: 'Redis refused the credentials: check the user and password in the URL (redis://user:password@host:port) or the client options.',
  CLUSTER: 'The Redis Cluster is resharding or failing over: retry shortly.',
  SCRIPT:
    'A Conveyor script failed: this is a bug, or the queue keys were written by something else.',
  CORRUPT:
    'Something other than Conveyor wrote that job key, so the job is lost: delete the key (DEL) to free the id, and keep other writers out of the prefix.',
  UNKNOWN: 'Unexpected Redis error.',
};

/**
 * What to use on a Redis Cluster, as the README shows it: a plain connection (`url`,
 * `redis`) reaches one node, and every key in another node's slots gets `MOVED`.
 */
export const CLUSTER_CLIENT_ADVICE =
  "A plain connection (url, redis) reaches one node of a Redis Cluster only: give the transport an ioredis Cluster client, redisTransport({ client: new Cluster([{ host, port }]) }) with `import { Cluster } from 'ioredis'`.";
const MOVED_ADVICE = `That key lives on another node of a Redis Cluster. ${CLUSTER_CLIENT_ADVICE}`;
/**
 * An enqueue cut off by a lost connection or a failover may have been stored before its
 * reply was lost: retried plainly, it would be stored twice.
 */
const ENQUEUE_UNCERTAIN =
  'The enqueue may have been stored before its reply was lost: retry it with the same idempotencyKey to store it once.';
/** A command that timed out: the server took the connection, then never answered. */
const UNANSWERED_ADVICE =
  'Redis took the connection but did not answer within 10 s: it may be paused, stuck on a long command, or not Redis. Check it with redis-cli PING and SLOWLOG GET; the client keeps trying.';
/** The advice for a failure, told apart where the error's own message says more. */
function adviceFor(failure: RedisFailure, detail: string): string {
  // commandTimeout (connections.ts): connected, yet no answer.
  if (/^Command timed out/.test(detail)) return UNANSWERED_ADVICE;
  if (failure === 'CLUSTER') return clusterAdvice(detail) ?? ADVICE.CLUSTER;
  return ADVICE[failure];
}

/**
 * What a Cluster failure says of a node that is down, in the words of its detail: a Cluster
 * that redirects a slot to a master that does not answer, a node whose connection closed
 * while the command ran, or CLUSTERDOWN. Undefined for a resharding (TRYAGAIN, ASK) or any
 * other, whose advice is to retry.
 */
export function clusterAdvice(detail: string): string | undefined {
  const moved = /\bMOVED (\d+) (\S+)$/.exec(detail);
  if (/^Too many Cluster redirections/.test(detail) && moved) {
    return `The Cluster kept sending slot ${moved[1]} to ${moved[2]}, which does not answer: a master is down. Start it again, or promote one of its replicas (CLUSTER FAILOVER on the replica); the queues and partitions in its slots answer again then.`;
  }
  if (
    /^Too many Cluster redirections.*(Connection is closed|ECONNREFUSED|ECONNRESET)/.test(detail)
  ) {
    return 'A node of the Cluster went away while the command ran: a master may be down. Check the nodes (redis-cli --cluster check <host:port>) and start the one that is down, or promote one of its replicas.';
  }
  if (/\bCLUSTERDOWN\b/.test(detail)) {
    return 'The Cluster says it is down (CLUSTERDOWN). During a failover that passes within its cluster-node-timeout: run the command again. If it lasts, a master and its replicas are unreachable, or some slots have no node: check it (redis-cli --cluster check <host:port>) and bring the failed master back; with cluster-require-full-coverage no, the other masters keep answering for their own slots.';
  }
  return undefined;
}

/** Whether a wrapped Redis error says a node of a Cluster is down, as {@link clusterAdvice} reads it. */
export function isClusterNodeDown(error: unknown): boolean {
  if (!(error instanceof RedisTransportError) || error.failure !== 'CLUSTER') return false;
  const cause = error.cause;
  const detail = (cause instanceof Error ? cause.message : String(cause)).replace(/\.+$/, '');
  return clusterAdvice(detail) !== undefined;
}

/** A call on a client that has never connected: nothing was sent, so nothing is in doubt. */
export const NEVER_CONNECTED_ADVICE =
  'Redis could not be reached: check that it is running and reachable at that address; the client keeps reconnecting. Nothing was sent: the connection was never made.';

/** A Redis operation failed. `code` is `TRANSPORT_ERROR`; `failure` says why. */
export class RedisTransportError extends TransportError {
  readonly failure: RedisFailure;
  /** The call that failed (`ping`, a script's name, …). */
  readonly operation: string;
  /** Where the connection went (`host:port`, or the Cluster's startup nodes), when known. */
  readonly endpoint: string | undefined;
  /** An enqueue whose reply was lost: its jobs may have been stored (see {@link uncertainEnqueue}). */
  readonly mayBeStored: boolean;
  /**
   * When {@link mayBeStored}: the ids of the enqueue's jobs, to look up before sending them
   * again (`client.getJob(id)`), as the message lists them. Empty otherwise.
   *
   * @example
   * if (error instanceof RedisTransportError && error.mayBeStored) {
   *   for (const id of error.jobIds) console.log(id, await client.getJob(id));
   * }
   */
  readonly jobIds: readonly string[];

  /**
   * `advice` replaces the failure's usual advice when the transport knows better; `jobIds`
   * are the jobs of an enqueue that may have been stored.
   */
  constructor(
    failure: RedisFailure,
    operation: string,
    cause: unknown,
    endpoint?: string,
    advice?: string,
    jobIds: readonly string[] = [],
    /** Some of an enqueue's jobs were stored (other script calls of it succeeded). */
    partlyStored = false,
  ) {
    // ioredis' "Connection is closed." must not read "closed.." before the advice.
    const detail = (cause instanceof Error ? cause.message : String(cause)).replace(/\.+$/, '');
    const at = endpoint === undefined ? '' : ` at ${endpoint}`;
    // A Cluster client follows MOVED and ASK itself: one that reaches the caller came
    // through a plain connection to a cluster node.
    const moved = /^(MOVED|ASK) /.test(detail);
    let told = advice ?? (moved ? MOVED_ADVICE : adviceFor(failure, detail));
    // A refused command (MOVED, CROSSSLOT) stored nothing; a lost reply may have.
    const lost =
      failure === 'CONNECTION' || (failure === 'CLUSTER' && !moved && !/^CROSSSLOT/.test(detail));
    const mayBeStored =
      partlyStored ||
      (lost && operation.startsWith('enqueue') && advice !== NEVER_CONNECTED_ADVICE);
    if (mayBeStored && advice === undefined) told = `${told} ${ENQUEUE_UNCERTAIN}`;
    super(`[conveyor] [redis] ${operation}${at} failed (${failure}): ${detail}. ${told}`, {
      cause,
      passing: isPassing(failure),
    });
    this.failure = failure;
    this.operation = operation;
    this.endpoint = endpoint;
    this.mayBeStored = mayBeStored;
    this.jobIds = Object.freeze(mayBeStored ? [...jobIds] : []);
  }
}

/**
 * The error an enqueue caller gets when the reply to its jobs was lost: the advice names
 * their ids, which the caller of `.delay()` never saw, so that it can look them up before
 * sending them again; "retry with the same idempotencyKey" alone told a caller without one
 * (a stub's `.delay()` cannot set one) to do what it could not. Other errors pass through.
 */
export function uncertainEnqueue(
  error: unknown,
  requests: readonly EnqueueRequest[],
  stored = 0,
): unknown {
  if (!(error instanceof RedisTransportError) || !(error.mayBeStored || stored > 0)) return error;
  const ids = requests.map((request) => request.envelope.id);
  const shown =
    ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
  const keyed = requests.some((request) => request.envelope.idempotencyKey !== undefined);
  const one = ids.length === 1;
  const detail = error.cause instanceof Error ? error.cause.message : String(error.cause);
  // `stored`: jobs of the call in other script calls (other queues, other masters) that
  // succeeded, though this one failed; resending them all would store those twice.
  const what =
    stored > 0
      ? `Part of the enqueue was stored: ${stored} of its ${ids.length} jobs went out in script calls that succeeded${error.mayBeStored ? ', and the others may have been stored before the reply was lost' : ''}`
      : 'The enqueue may have been stored before its reply was lost';
  const advice = `${adviceFor(error.failure, detail)} ${what}: look ${one ? 'the job' : 'the jobs'} up by id before sending ${one ? 'it' : 'them'} again (client.getJob(id), conveyor inspect <id>): ${shown}.${keyed ? ' A job with an idempotencyKey can instead be sent again with the same key: it is stored once.' : ''}`;
  return new RedisTransportError(
    error.failure,
    error.operation,
    error.cause,
    error.endpoint,
    advice,
    ids,
    stored > 0,
  );
}

/**
 * Failures that end by themselves: Redis restarting or out of reach, a Cluster failing over or
 * resharding, a replica reached mid-failover. A call that failed so may succeed sent again.
 */
export function isPassing(failure: RedisFailure): boolean {
  return failure === 'CONNECTION' || failure === 'CLUSTER' || failure === 'READONLY';
}

/** Classifies anything ioredis threw. The one place Redis errors become Conveyor errors. */
export function classify(error: unknown): RedisFailure {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  if (message.startsWith('OOM')) return 'OOM';
  if (message.startsWith('MISCONF')) return 'MISCONF';
  // A MULTI whose queued commands were refused (CLUSTERDOWN, READONLY, …): what refused
  // them, which ioredis keeps as `previousErrors`.
  if (message.startsWith('EXECABORT')) {
    const previous = (error as { previousErrors?: unknown }).previousErrors;
    const first = Array.isArray(previous) ? previous[0] : undefined;
    return first === undefined ? 'UNKNOWN' : classify(first);
  }
  if (message.startsWith('READONLY')) return 'READONLY';
  if (message.startsWith('CORRUPT')) return 'CORRUPT';
  // Redis 6+ says WRONGPASS or NOAUTH; older servers "ERR invalid password". Anchored: a
  // script error can quote job data.
  if (/^(WRONGPASS|NOAUTH)\b|^(ERR )?invalid (password|username-password pair)/.test(message)) {
    return 'AUTH';
  }
  if (/^(CLUSTERDOWN|TRYAGAIN|CROSSSLOT|MOVED|ASK)\b/.test(message)) return 'CLUSTER';
  // ioredis gives up on a command after 16 redirections with a plain Error whose message
  // ends with the last reply ("Too many Cluster redirections. Last error: ReplyError:
  // CLUSTERDOWN …"), and on a slots refresh with ClusterAllFailedError.
  if (message.startsWith('Too many Cluster redirections')) return 'CLUSTER';
  if (name === 'ClusterAllFailedError') return 'CLUSTER';
  if (
    name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Command timed out|LOADING|Socket closed|None of startup nodes is available/i.test(
      message,
    )
  ) {
    return 'CONNECTION';
  }
  if (/^(ERR )?(Error running script|user_script|.*@user_script)/.test(message)) return 'SCRIPT';
  return 'UNKNOWN';
}

/**
 * Wraps a failed Redis call; Conveyor's own errors pass through unchanged (such as the
 * `INVALID_OPTION` of a database Redis refused, see connections.ts).
 */
export function toTransportError(operation: string, error: unknown): Error {
  if (error instanceof ConveyorError) return error;
  return new RedisTransportError(classify(error), operation, error);
}

/** The failure kind of a wrapped or raw error. */
export function failureOf(error: unknown): RedisFailure {
  return error instanceof RedisTransportError ? error.failure : classify(error);
}

/**
 * On a Cluster, a queue script's failure says which queue and hash slot it was for: a command
 * over several partitions (`conveyor dead work`) failed naming neither the partition nor its
 * slot, only "a node of the Cluster went away". Other errors pass through unchanged.
 */
export function namingQueue(error: unknown, queue: string, slot: number): unknown {
  if (!(error instanceof RedisTransportError) || !isPassing(error.failure)) return error;
  const head = `[conveyor] [redis] ${error.operation}`;
  if (!error.message.startsWith(head)) return error;
  error.message = `${head} of queue ${JSON.stringify(queue)} (hash slot ${slot})${error.message.slice(head.length)}`;
  return error;
}
