import type { Cluster, Redis } from 'ioredis';
import { QUEUE_KEY_COUNT } from './keys.js';
import { LUA_INCLUDES, LUA_SCRIPTS, type LuaScriptFile } from './scripts/embedded.gen.js';

/** The queue scripts, one file each in `scripts/`, embedded in the module (see {@link luaScript}). */
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

const INCLUDE = /^--!include (\S+)$/m;

const texts = new Map<LuaScriptFile, string>();

/**
 * A script's text, its `--!include <file>` lines replaced by `scripts/includes/<file>`.
 * The texts come from `scripts/embedded.gen.ts` (generated from the .lua files by
 * `scripts/embed-lua.mjs`), not from disk, so a bundle that inlines this package works
 * from any directory.
 */
export function luaScript(file: LuaScriptFile): string {
  let text = texts.get(file);
  if (text !== undefined) return text;
  text = LUA_SCRIPTS[file];
  for (let match = INCLUDE.exec(text); match; match = INCLUDE.exec(text)) {
    const include = LUA_INCLUDES[match[1] ?? ''];
    if (include === undefined) {
      throw new Error(
        `[conveyor] [redis] ${file}.lua includes ${match[1]}, which is not in scripts/includes/`,
      );
    }
    // A function, not a string: a string replacement would expand `$'` and `$&` in Lua.
    text = text.replace(match[0], () => include);
  }
  texts.set(file, text);
  return text;
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
  for (const name of SCRIPT_NAMES) {
    const command = commandName(name);
    if (typeof (client as unknown as Record<string, unknown>)[command] === 'function') continue;
    const lua = luaScript(`${name}-${QUEUE_KEY_COUNT}`);
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
