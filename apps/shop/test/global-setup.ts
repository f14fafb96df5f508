// Vitest global setup: builds the embedded database's template cluster (PGlite's initdb) once,
// before any test file starts a stack. Built by the first stack instead, it counted against
// that stack's database start-up wait: two minutes of initdb on a loaded CI box left too
// little of the 180 s for the database itself (6 Dec).
import { ensureTemplate } from '../src/db/embedded-postgres.js';

export async function setup(): Promise<void> {
  await ensureTemplate();
}
