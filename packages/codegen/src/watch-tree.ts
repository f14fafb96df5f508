import { type Dirent, type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import path from 'node:path';

/** Folders never watched below a watched root: dependencies and tool caches. */
const SKIPPED = /^(node_modules|\..*)$/;

/** A set of folder watchers, closed together. */
export interface TreeWatcher {
  close(): void;
}

/**
 * Watches `root` (and, with `recursive`, every folder below it but node_modules and
 * dot-folders) with one non-recursive `fs.watch` per folder, and calls `onEvent` with the
 * absolute path of each changed entry. Folders created later are watched as they appear.
 *
 * Not `fs.watch(root, { recursive: true })`: on Linux, Node 20 emulates it with per-file
 * watchers that lose a file once an editor saved it by renaming a temporary file over it
 * (vim, JetBrains' safe write, `sed -i`): its later edits and its deletion went unseen.
 */
export function watchTree(
  root: string,
  recursive: boolean,
  onEvent: (file: string) => void,
  onError: (error: unknown) => void,
): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  const add = (directory: string): void => {
    if (closed || watchers.has(directory)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(directory, (_event, name) => {
        if (!name) return;
        const file = path.join(directory, name.toString());
        if (recursive && !SKIPPED.test(path.basename(file)) && isDirectory(file)) addTree(file);
        onEvent(file);
      });
    } catch (error) {
      // Gone between listing and watching: nothing left to watch there.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onError(error);
      return;
    }
    watcher.on('error', (error) => {
      // A watched folder that is deleted ends its watcher; its parent reports the deletion.
      watcher.close();
      watchers.delete(directory);
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') onError(error);
    });
    watchers.set(directory, watcher);
  };

  const addTree = (directory: string): void => {
    add(directory);
    if (!recursive) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !SKIPPED.test(entry.name)) {
        addTree(path.join(directory, entry.name));
      }
    }
  };

  addTree(root);
  return {
    close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
