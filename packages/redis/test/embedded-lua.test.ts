import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_FILE, REGENERATE_COMMAND, renderEmbeddedLua } from '../scripts/embed-lua.mjs';
import { LUA_SCRIPTS, type LuaScriptFile } from '../src/scripts/embedded.gen.js';
import { luaScript } from '../src/scripts.js';

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
    expect(files).toContain('enqueue-19');
    for (const file of files) {
      const text = luaScript(file);
      expect(text, file).not.toMatch(/^--!include/m);
      expect(text.startsWith(`-- ${file}.lua:`), file).toBe(true);
    }
    expect(luaScript('enqueue-19')).toContain('-- queue.lua: shared by every script');
  });
});
