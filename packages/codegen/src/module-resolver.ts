import path from 'node:path';
import { ts } from 'ts-morph';
import type { ModuleResolver } from './analyze/schema-module.js';
import { isBareSpecifier, resolveRelative } from './analyze/schema-module.js';
import type { ResolvedConfig } from './config.js';
import { relativePath } from './task-files.js';

/** The compiler options codegen uses when the project has no tsconfig. */
export const DEFAULT_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  skipLibCheck: true,
};

/**
 * Resolves imports as the project's TypeScript does: relative paths on disk, and bare
 * specifiers through the tsconfig's `paths`, `baseUrl`, `customConditions` and packages in
 * node_modules (a pnpm workspace package is a symlink there; the real path is returned).
 * The tsconfig is read on the first bare specifier, and without a walk of its `include`.
 */
export function createModuleResolver(
  config: Pick<ResolvedConfig, 'root' | 'tsconfig'>,
): ModuleResolver {
  let options: ts.CompilerOptions | undefined;
  const compilerOptions = (): ts.CompilerOptions => {
    options ??= config.tsconfig ? readCompilerOptions(config.tsconfig) : DEFAULT_COMPILER_OPTIONS;
    return options;
  };
  return {
    resolve(specifier, fromFile) {
      if (!isBareSpecifier(specifier)) return resolveRelative(fromFile, specifier);
      // A .cts/.cjs file imports with require conditions; every other source as ESM.
      const mode = /\.c[jt]s$/.test(fromFile) ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext;
      const { resolvedModule } = ts.resolveModuleName(
        specifier,
        fromFile,
        compilerOptions(),
        ts.sys,
        undefined,
        undefined,
        mode,
      );
      return resolvedModule && path.resolve(resolvedModule.resolvedFileName);
    },
    relative: (file) => relativePath(config, file),
  };
}

/** A tsconfig's compiler options (with `extends` followed); its file list is not read. */
function readCompilerOptions(tsconfig: string): ts.CompilerOptions {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    readDirectory: () => [],
    onUnRecoverableConfigFileDiagnostic: () => {},
  };
  return (
    ts.getParsedCommandLineOfConfigFile(tsconfig, undefined, host)?.options ??
    DEFAULT_COMPILER_OPTIONS
  );
}
