/** A workspace package whose build the tests need: its directory and built file (default `dist/index.js`). */
export interface BuiltPackage {
  dir: string;
  built?: string;
}

/**
 * Runs `turbo run build --filter=<filter>` when any of `packages` has a source (or
 * package.json) newer than its built file; a lock directory under `lockDir` keeps two runs
 * from building at once. `who` names the tests in its messages.
 */
export function ensureBuilt(options: {
  who: string;
  filter: string;
  packages: BuiltPackage[];
  lockDir: string;
}): Promise<void>;
