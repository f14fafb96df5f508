let throughTsx = false;

/**
 * `import()`, switching to tsx's `tsImport` the first time Node cannot load a TypeScript
 * module, so a project that already runs under tsx (or a Node that strips types) keeps its
 * own set-up. The task module and the config file both load through it.
 *
 * `tsImport`, not tsx's global `register()`: a `.ts` file in a package without `"type":
 * "module"` is CommonJS to tsx's hooks, and loading it after Node's failed `import()` of the
 * same file ended in "Cannot require() ES Module … not yet fully loaded". `tsImport` loads it
 * under a URL of its own, as ESM where it has ESM syntax.
 */
export async function importModule(url: string): Promise<unknown> {
  if (throughTsx) return importThroughTsx(url);
  try {
    return await import(url);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    throughTsx = true;
    return importThroughTsx(url);
  }
}

async function importThroughTsx(url: string): Promise<unknown> {
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(url, import.meta.url);
}
