import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What happened to one output file. `stale`/`missing`/`fresh` are `--check` answers. */
export type FileStatus = 'written' | 'unchanged' | 'stale' | 'missing' | 'fresh';

/** Current text of a file, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes `text` only when it differs from what is there. The text goes to a temporary file
 * in the same directory first and is renamed over the target, so a reader (a bundler in
 * watch mode, the worker starting up) never sees half a file.
 */
export async function writeIfChanged(file: string, text: string): Promise<'written' | 'unchanged'> {
  if ((await readIfExists(file)) === text) return 'unchanged';
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return 'written';
}

/** `--check`: compares without writing. A file never generated (or deleted) is `missing`. */
export async function checkFile(
  file: string,
  text: string,
): Promise<'stale' | 'missing' | 'fresh'> {
  const current = await readIfExists(file);
  if (current === undefined) return 'missing';
  return current === text ? 'fresh' : 'stale';
}

/**
 * Sets an unchanged file's modification time to now: the registry's says when `generate` last
 * checked it against the task files, which a worker's start-up hint compares with theirs
 * (`staleTaskFiles`). Left alone, an edit that changes no generated text (a `run` body) kept
 * that hint up however often `generate` ran.
 */
export async function markChecked(file: string): Promise<void> {
  const now = new Date();
  await utimes(file, now, now);
}
