// Vitest global setup: builds dist/ (when a source is newer) once, before any test file
// runs. The spawning tests run the built binary; a build started by one file while another
// file's child was loading dist/ (tsup empties it first) failed that child with
// ERR_MODULE_NOT_FOUND, so no test file builds on its own.
import { ensureBuilt } from './built.js';

export async function setup(): Promise<void> {
  await ensureBuilt();
}
