import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Set once Node could not load a TypeScript module: from then on tsx loads them. */
let throughTsx = false;
let esmHooks = false;
let cjsHooks = false;

const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * `import()`, switching to tsx the first time Node cannot load a TypeScript module, so a
 * project that already runs under tsx (or a Node that strips types) keeps its own set-up.
 * The task module and the config file both load through it.
 *
 * Through tsx's process-wide hooks, so that the module's imports are the same instances as
 * the command's own: `@conveyor/core` loaded twice means two `NonRetryableError` classes,
 * and a second ioredis evaluated under another loader broke a CommonJS project's config.
 * tsx's `tsImport` gave every module it loaded a URL of its own, node_modules included.
 * The module's format decides which hooks: a `.ts` file in a package without `"type":
 * "module"` is CommonJS to Node and to tsx, and loading it through the ESM hooks ended in
 * "Cannot require() ES Module … in a cycle"; it is required through tsx's CommonJS hooks,
 * which compile its import syntax.
 */
export async function importModule(url: string): Promise<unknown> {
  if (throughTsx && isTypeScript(url)) return importThroughTsx(url);
  try {
    return await import(url);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    throughTsx = true;
    return importThroughTsx(url);
  }
}

function isTypeScript(url: string): boolean {
  return url.startsWith('file:') && TYPESCRIPT.test(new URL(url).pathname);
}

async function importThroughTsx(url: string): Promise<unknown> {
  const file = fileURLToPath(url);
  if (isCommonJs(file)) {
    if (!cjsHooks) {
      const { register } = await import('tsx/cjs/api');
      register();
      cjsHooks = true;
    }
    return namespaceOf(createRequire(file)(file));
  }
  if (!esmHooks) {
    const { register } = await import('tsx/esm/api');
    register();
    esmHooks = true;
  }
  // Node's failed import may stay cached under the URL: the one under tsx uses a fresh one.
  return import(`${url}${url.includes('?') ? '&' : '?'}conveyor-tsx`);
}

/** Whether Node takes the file for CommonJS: `.cts`, or `.ts` outside a `"type": "module"` package. */
function isCommonJs(file: string): boolean {
  if (/\.mtsx?$/.test(file)) return false;
  if (/\.ctsx?$/.test(file)) return true;
  return packageTypeOf(path.dirname(file)) !== 'module';
}

/** The `type` of the nearest package.json above `dir` (Node's rule), undefined for none. */
function packageTypeOf(dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    let text: string | undefined;
    try {
      text = readFileSync(path.join(at, 'package.json'), 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      try {
        const type = (JSON.parse(text) as { type?: unknown }).type;
        return typeof type === 'string' ? type : undefined;
      } catch {
        return undefined;
      }
    }
    if (path.dirname(at) === at) return undefined;
  }
}

/** What `import()` of a CommonJS module gives: its named exports and the whole as `default`. */
function namespaceOf(exported: unknown): unknown {
  if (typeof exported !== 'object' || exported === null) return { default: exported };
  if ((exported as { __esModule?: unknown }).__esModule) return exported;
  return { ...exported, default: exported };
}
