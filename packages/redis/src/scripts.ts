import type { Cluster, Redis } from 'ioredis';
import { QUEUE_KEY_COUNT, WORKFLOW_KEY_COUNT } from './keys.js';
import { LUA_INCLUDES, LUA_SCRIPTS, type LuaScriptFile } from './scripts/embedded.gen.js';

/** The worker-record keys (`adminKeys` in admin.ts): the records hash and the expiry ZSET. */
const WORKER_KEY_COUNT = 2;
/** A limit key's permits or slots (`limitKeys` in limits.ts). */
const LIMIT_KEY_COUNT = 1;
/**
 * A queue's schedules, their marks and their fences (`scheduleSpecsKey`, `schedulesKey`,
 * `scheduleFencesKey` in keys.ts).
 */
const SCHEDULE_KEY_COUNT = 3;

/**
 * Every script, one file each in `scripts/`, with how many of its arguments are keys: the
 * keys each script's header names. Every file is here (`satisfies`), and nothing else.
 */
export const SCRIPT_KEY_COUNTS = {
  enqueue: QUEUE_KEY_COUNT,
  // Five of the queue's keys (`enqueueOneKeys` in wire/enqueue-one.ts).
  'enqueue-one': 5,
  reserve: QUEUE_KEY_COUNT,
  'release-call': QUEUE_KEY_COUNT,
  renew: QUEUE_KEY_COUNT,
  settle: QUEUE_KEY_COUNT,
  'get-job': QUEUE_KEY_COUNT,
  cancel: QUEUE_KEY_COUNT,
  'list-dead': QUEUE_KEY_COUNT,
  'retry-dead': QUEUE_KEY_COUNT,
  'purge-dead': QUEUE_KEY_COUNT,
  promote: QUEUE_KEY_COUNT,
  'queue-counts': QUEUE_KEY_COUNT,
  'purge-queue': QUEUE_KEY_COUNT,
  'pause-queue': QUEUE_KEY_COUNT,
  sweep: QUEUE_KEY_COUNT,
  'list-jobs': QUEUE_KEY_COUNT,
  'find-by-index': QUEUE_KEY_COUNT,
  // The queue's keys, its schedule marks, its schedules and their fences (`schedulesKey`,
  // `scheduleSpecsKey` and `scheduleFencesKey` in keys.ts).
  'fire-schedule': QUEUE_KEY_COUNT + 3,
  // A queue's schedules, their marks and their fences.
  'upsert-schedules': SCHEDULE_KEY_COUNT,
  'fence-schedules': SCHEDULE_KEY_COUNT,
  'remove-schedule': SCHEDULE_KEY_COUNT,
  'list-schedules': SCHEDULE_KEY_COUNT,
  // A queue's schedules and their marks.
  'set-schedule-paused': 2,
  'put-worker': WORKER_KEY_COUNT,
  'list-workers': WORKER_KEY_COUNT,
  'remove-worker': WORKER_KEY_COUNT,
  'take-rate': LIMIT_KEY_COUNT,
  'acquire-slot': LIMIT_KEY_COUNT,
  'renew-slots': LIMIT_KEY_COUNT,
  // A workflow's keys (`workflowKeys` in keys.ts).
  'wf-start': WORKFLOW_KEY_COUNT,
  'wf-claim': WORKFLOW_KEY_COUNT,
  'wf-record': WORKFLOW_KEY_COUNT,
  'wf-expand': WORKFLOW_KEY_COUNT,
  'wf-dispatched': WORKFLOW_KEY_COUNT,
  'wf-outbox': WORKFLOW_KEY_COUNT,
  'wf-get': WORKFLOW_KEY_COUNT,
  'wf-results': WORKFLOW_KEY_COUNT,
  'wf-cancel': WORKFLOW_KEY_COUNT,
  'wf-retry': WORKFLOW_KEY_COUNT,
  'wf-peek': WORKFLOW_KEY_COUNT,
  'wf-reindex': WORKFLOW_KEY_COUNT,
  // The cross-workflow indexes (`workflowIndexKeys` in keys.ts).
  'wf-index': 8,
  'wf-ended-fix': 4,
  // A workflow idempotency key's claim (`workflowKeyClaim` in keys.ts).
  'wf-key': 1,
} as const satisfies Record<LuaScriptFile, number>;

export type ScriptName = keyof typeof SCRIPT_KEY_COUNTS;

/** The scripts that take a queue's keys (`queueKeys` in keys.ts). */
export type QueueScriptName = {
  [Name in ScriptName]: (typeof SCRIPT_KEY_COUNTS)[Name] extends typeof QUEUE_KEY_COUNT
    ? Name
    : never;
}[ScriptName];

const INCLUDE = /^--!include (\S+)$/m;

/**
 * A script's text, its `--!include <file>` lines replaced by `scripts/includes/<file>`.
 * The texts come from `scripts/embedded.gen.ts` (generated from the .lua files by
 * `scripts/embed-lua.mjs`), not from disk, so a bundle that inlines this package works
 * from any directory.
 */
export function luaScript(name: ScriptName): string {
  let text: string = LUA_SCRIPTS[name];
  for (let match = INCLUDE.exec(text); match; match = INCLUDE.exec(text)) {
    const include = LUA_INCLUDES[match[1] ?? ''];
    if (include === undefined) {
      throw new Error(
        `[conveyor] [redis] ${name}.lua includes ${match[1]}, which is not in scripts/includes/`,
      );
    }
    // A function, not a string: a string replacement would expand `$'` and `$&` in Lua.
    text = text.replace(match[0], () => include);
  }
  return text;
}

/** The ioredis command name of each script (`conveyor_get_job`), made once, not per call. */
const COMMAND_NAMES = Object.fromEntries(
  Object.keys(SCRIPT_KEY_COUNTS).map((name) => [name, `conveyor_${name.replaceAll('-', '_')}`]),
) as Record<ScriptName, string>;
const commandName = (name: ScriptName): string => COMMAND_NAMES[name];

type ScriptFn = (...args: Array<ReadonlyArray<string | number>>) => Promise<unknown>;

const commandOf = (client: Redis | Cluster, name: ScriptName): ScriptFn | undefined =>
  (client as unknown as Record<string, ScriptFn | undefined>)[commandName(name)];

/**
 * Defines every script on a client with `defineCommand`, the ones it already has aside (a
 * client the caller shares between transports): ioredis sends EVALSHA and falls back to
 * EVAL on NOSCRIPT, so a flushed script cache (restart, failover) heals.
 */
export function defineScripts(client: Redis | Cluster): void {
  for (const name of Object.keys(SCRIPT_KEY_COUNTS) as ScriptName[]) defineScript(client, name);
}

/**
 * Defines one script on a client unless it has it; returns its command. `runScript` looks
 * its command up through this, so a connection pays only for the scripts it runs: ioredis hashes each
 * script's text (SHA1) and builds its command when it is defined, about 13 ms for all of
 * them, which every new connection (a pickup's blocking one, say) paid before.
 */
function defineScript(client: Redis | Cluster, name: ScriptName): ScriptFn | undefined {
  const defined = commandOf(client, name);
  if (typeof defined === 'function') return defined;
  client.defineCommand(commandName(name), {
    lua: luaScript(name),
    numberOfKeys: SCRIPT_KEY_COUNTS[name],
  });
  return commandOf(client, name);
}

/**
 * Runs a script (defined on the client at its first run) with its keys and then the argument
 * lists in order. The lists go to ioredis as they are (it flattens them one level), so a
 * batch of thousands of arguments is not copied by spreading.
 */
export function runScript(
  client: Redis | Cluster,
  name: ScriptName,
  keys: readonly string[],
  ...argLists: Array<ReadonlyArray<string | number>>
): Promise<unknown> {
  const fn = defineScript(client, name);
  if (!fn) throw new Error(`[conveyor] [redis] script ${name} could not be defined on this client`);
  return fn.call(client, keys, ...argLists);
}
