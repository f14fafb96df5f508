import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_FILE, REGENERATE_COMMAND, renderEmbeddedLua } from '../scripts/embed-lua.mjs';
import { LUA_SCRIPTS, type LuaScriptFile } from '../src/scripts/embedded.gen.js';
import { luaScript, SCRIPT_KEY_COUNTS } from '../src/scripts.js';

// The package runs the Lua embedded in src/scripts/embedded.gen.ts (so that bundles
// work), generated from the .lua files, which stay the source of truth.
describe('embedded Lua', () => {
  it('matches the .lua files', () => {
    const committed = readFileSync(EMBEDDED_FILE, 'utf8');
    const stale = committed !== renderEmbeddedLua();
    expect(
      stale,
      `src/scripts/embedded.gen.ts is stale: a .lua file changed since it was generated. Run \`${REGENERATE_COMMAND}\` and commit the result.`,
    ).toBe(false);
  });

  it('gives every script with its includes inlined', () => {
    const files = Object.keys(LUA_SCRIPTS) as LuaScriptFile[];
    expect(files).toContain('enqueue');
    for (const file of files) {
      const text = luaScript(file);
      expect(text, file).not.toMatch(/^--!include/m);
      expect(text.startsWith(`-- ${file}.lua:`), file).toBe(true);
    }
    expect(luaScript('enqueue')).toContain('-- queue.lua: shared by every script');
  });

  it('loads every script with as many keys as its header names', () => {
    for (const [name, count] of Object.entries(SCRIPT_KEY_COUNTS)) {
      // The header's KEYS paragraph: "the 21 queue keys", or "[1] …, [2] …".
      const keys = /^-- KEYS: ([\s\S]*?)^-- ARGV:/m.exec(luaScript(name as LuaScriptFile))?.[1];
      expect(keys, name).toBeDefined();
      const queueKeys = /the (\d+) queue keys/.exec(keys ?? '');
      const named = [...(keys ?? '').matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
      expect(queueKeys ? Number(queueKeys[1]) : Math.max(0, ...named), name).toBe(count);
    }
  });
});
