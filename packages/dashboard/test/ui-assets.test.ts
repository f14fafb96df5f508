import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_FILE,
  REGENERATE_COMMAND,
  renderUiModule,
  UI_DIR,
} from '../scripts/build-ui.mjs';
import { UI_ASSETS } from '../src/ui.gen.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : [path];
  });
}

// The server serves the UI from src/ui.gen.ts, generated from ui/ (the source of truth).
describe('UI assets', () => {
  it('match the sources in ui/', async () => {
    const committed = readFileSync(GENERATED_FILE, 'utf8');
    const stale = committed !== (await renderUiModule());
    expect(
      stale,
      `src/ui.gen.ts is stale: a file in ui/ changed since it was generated. Run \`${REGENERATE_COMMAND}\` and commit the result.`,
    ).toBe(false);
  });

  it('are app.js, app.css and icon.svg, each with the hash of its body', () => {
    expect(Object.keys(UI_ASSETS).sort()).toEqual(['app.css', 'app.js', 'icon.svg']);
    expect(UI_ASSETS['icon.svg']?.type).toBe('image/svg+xml');
    expect(UI_ASSETS['app.js']?.type).toMatch(/^text\/javascript/);
    expect(UI_ASSETS['app.css']?.type).toMatch(/^text\/css/);
    for (const asset of Object.values(UI_ASSETS)) expect(asset.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("keep the JavaScript under 150 KB gzipped (the issue's page budget)", () => {
    const js = UI_ASSETS['app.js']?.body ?? '';
    expect(js.length).toBeGreaterThan(1000);
    expect(gzipSync(js).length).toBeLessThan(150 * 1024);
  });

  it('never parse strings as HTML: job data can only ever be text', () => {
    // dom.ts builds every element with createElement and text nodes; a sink like these
    // anywhere in ui/ would be a way for job data to become markup.
    const sinks =
      /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser)\b/;
    for (const file of sources(UI_DIR).filter((f) => f.endsWith('.ts'))) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(sinks);
    }
    expect(UI_ASSETS['app.js']?.body).not.toMatch(sinks);
  });
});
