import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { QUEUE_KEY_COUNT } from './keys.js';

/** The Lua scripts, one file each in `scripts/` (copied next to the bundle by the build). */
export const SCRIPT_NAMES = [
  'enqueue',
  'reserve',
  'renew',
  'settle',
  'get-job',
  'cancel',
  'list-dead',
  'retry-dead',
  'purge-dead',
  'queue-counts',
  'purge-queue',
  'sweep',
] as const;

export type ScriptName = (typeof SCRIPT_NAMES)[number];

const scriptDir = new URL('./scripts/', import.meta.url);
const INCLUDE = /^--!include (\S+)$/m;

let sources: Map<ScriptName, string> | undefined;

/** Reads every script once, inlining `--!include <file>` lines from `scripts/includes/`. */
export function scriptSources(): Map<ScriptName, string> {
  if (sources) return sources;
  const loaded = new Map<ScriptName, string>();
  for (const name of SCRIPT_NAMES) {
    let text = readFileSync(new URL(`${name}-${QUEUE_KEY_COUNT}.lua`, scriptDir), 'utf8');
    for (let match = INCLUDE.exec(text); match; match = INCLUDE.exec(text)) {
      const include = readFileSync(new URL(`includes/${match[1]}`, scriptDir), 'utf8');
      // A function, not a string: a string replacement would expand `$'` and `$&` in Lua.
      text = text.replace(match[0], () => include);
    }
    loaded.set(name, text);
  }
  sources = loaded;
  return loaded;
}

/** The ioredis command name of a script (`conveyor_get_job`). */
function commandName(name: ScriptName): string {
  return `conveyor_${name.replaceAll('-', '_')}`;
}

/**
 * Defines every script on a client with `defineCommand`: ioredis sends EVALSHA and
 * falls back to EVAL on NOSCRIPT, so a flushed script cache (restart, failover) heals.
 */
export function defineScripts(client: Redis | Cluster): void {
  for (const [name, lua] of scriptSources()) {
    const command = commandName(name);
    if (typeof (client as unknown as Record<string, unknown>)[command] === 'function') continue;
    client.defineCommand(command, { lua, numberOfKeys: QUEUE_KEY_COUNT });
  }
}

type ScriptFn = (...args: Array<ReadonlyArray<string | number>>) => Promise<unknown>;

/**
 * Runs a script (defined by {@link defineScripts}) with the queue's keys and then the
 * argument lists in order. The lists go to ioredis as they are (it flattens them one
 * level), so a batch of thousands of arguments is not copied by spreading.
 */
export function runScript(
  client: Redis | Cluster,
  name: ScriptName,
  keys: readonly string[],
  ...argLists: Array<ReadonlyArray<string | number>>
): Promise<unknown> {
  const fn = (client as unknown as Record<string, ScriptFn>)[commandName(name)];
  if (!fn) throw new Error(`[conveyor] [redis] script ${name} is not defined on this client`);
  return fn.call(client, keys, ...argLists);
}
