import { readFileSync } from 'node:fs';

/** Set by the build (tsup `define`); undefined when the CLI runs from source. */
declare const __CONVEYOR_CLI_VERSION__: string | undefined;

let cached: string | undefined;

/**
 * This package's version: written into dist/ by the build, so a bundle that inlines the CLI
 * has it too. From source, package.json sits one level above src/.
 */
export function version(): string {
  if (typeof __CONVEYOR_CLI_VERSION__ === 'string') return __CONVEYOR_CLI_VERSION__;
  if (!cached) {
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
    cached = (JSON.parse(text) as { version: string }).version;
  }
  return cached;
}
