import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** This package's version; package.json sits one level above both src/ and dist/. */
export function version(): string {
  if (cached === undefined) {
    try {
      const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
      cached = (JSON.parse(text) as { version: string }).version;
    } catch {
      cached = 'unknown'; // Bundled into an app without its package.json.
    }
  }
  return cached;
}
