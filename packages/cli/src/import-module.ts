let tsxRegistered = false;

/**
 * `import()`, registering tsx the first time Node cannot load a TypeScript module, so a
 * project that already runs under tsx (or a Node that strips types) keeps its own set-up.
 * The task module and the config file both load through it.
 */
export async function importModule(url: string): Promise<unknown> {
  try {
    return await import(url);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || tsxRegistered) {
      throw error;
    }
    tsxRegistered = true;
    const { register } = await import('tsx/esm/api');
    register();
    // A failed import may stay cached under its URL: the retry under tsx uses a fresh one.
    return import(`${url}?conveyor-tsx`);
  }
}
