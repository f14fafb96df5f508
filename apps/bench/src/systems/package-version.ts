import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The installed version of a dependency, read from its package.json next to its entry point. */
export function installedVersion(name: string): string {
  let dir = dirname(require.resolve(name));
  for (let depth = 0; depth < 6; depth += 1) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === name && manifest.version) return manifest.version;
    } catch {
      // not this directory; keep walking up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
