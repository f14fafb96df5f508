import { existsSync } from 'node:fs';
import path from 'node:path';
import { type GenerateOptions, resolveOptions } from './api.js';
import type { ResolvedConfig } from './config.js';
import { createGenerator, type GenerateResult, type Generator } from './generator.js';
import { type TreeWatcher, watchTree } from './watch-tree.js';

export interface WatchOptions extends GenerateOptions {
  /** Stops watching; the returned promise resolves once the current run has finished. */
  signal?: AbortSignal | undefined;
  /** Quiet period after the last file event before regenerating, in ms. Default 50. */
  debounceMs?: number | undefined;
  /** Called after the first run and after every regeneration that was not superseded. */
  onResult?: ((result: GenerateResult, changed: readonly string[]) => void) | undefined;
  /** Called when a run throws (unreadable file, bad config); watching goes on. */
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * Generates, then regenerates whenever a task file, a schema module or the config changes.
 * Events are debounced; a run that a newer change overtakes writes nothing (it is
 * superseded), and the newer run follows it.
 *
 * @example
 * const controller = new AbortController();
 * await watchGenerate({
 *   cwd: 'apps/shop',
 *   signal: controller.signal,
 *   onResult: (result) => console.log(result.files),
 * });
 */
export async function watchGenerate(options: WatchOptions = {}): Promise<void> {
  const { signal, onResult, onError } = options;
  const debounceMs = options.debounceMs ?? 50;
  let config = await resolveOptions(options);
  let generator: Generator = createGenerator(config);
  let latest = 0;
  let finished = 0;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let changed = new Set<string>();
  let configChanged = false;

  const loop = async (): Promise<void> => {
    while (finished < latest && !signal?.aborted) {
      const id = latest;
      const files = [...changed].sort();
      changed = new Set();
      try {
        if (configChanged) {
          configChanged = false;
          config = await resolveOptions(options);
          generator = createGenerator(config);
        }
        const result = await generator.run({ isCurrent: () => id === latest });
        if (!result.superseded) onResult?.(result, files);
      } catch (error) {
        onError?.(error);
      }
      finished = id;
    }
  };
  const start = (): void => {
    latest++;
    running ??= loop().finally(() => {
      running = undefined;
      if (finished < latest && !signal?.aborted) start();
    });
  };

  const onEvent = (file: string): void => {
    if (file === config.client || file === config.registry || /\.tmp$/.test(file)) return;
    if (file === config.configFile) configChanged = true;
    else if (!/\.([mc]?[jt]sx?|json)$/.test(file)) return;
    // A task file's own changes are detected by the run; a change to any other source
    // file may change an inferred result type.
    if (!generator.isTaskFile(file)) generator.invalidateTypes();
    changed.add(path.relative(config.root, file).split(path.sep).join('/'));
    clearTimeout(timer);
    timer = setTimeout(start, debounceMs);
  };
  const watchers = watchDirectories(config).map(({ directory, recursive }) =>
    watchTree(directory, recursive, onEvent, (error) => onError?.(error)),
  );

  start();
  await new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  clearTimeout(timer);
  closeAll(watchers);
  await running;
}

function closeAll(watchers: TreeWatcher[]): void {
  for (const watcher of watchers) watcher.close();
}

/**
 * The static part of each task glob (`src/tasks/*.ts` → `src/tasks`), watched recursively,
 * and the config's own folder, watched alone (it usually holds node_modules).
 */
export function watchDirectories(
  config: ResolvedConfig,
): { directory: string; recursive: boolean }[] {
  const directories = new Set<string>();
  for (const glob of config.tasks) {
    const parts = glob.split('/');
    const staticParts: string[] = [];
    for (const part of parts.slice(0, -1)) {
      if (/[*?{}[\]!()]/.test(part)) break;
      staticParts.push(part);
    }
    let directory = path.resolve(config.root, ...staticParts);
    while (!existsSync(directory) && directory !== config.root) directory = path.dirname(directory);
    directories.add(directory);
  }
  // Schema modules and imported types usually sit beside the tasks; the config sits at the root.
  const list = [...directories].filter(
    (directory) =>
      ![...directories].some(
        (other) => other !== directory && directory.startsWith(`${other}${path.sep}`),
      ),
  );
  const watched = list.map((directory) => ({ directory, recursive: true }));
  return config.configFile && !list.includes(config.root)
    ? [...watched, { directory: config.root, recursive: false }]
    : watched;
}
