import path from 'node:path';
import type { Plugin } from 'esbuild';
import { resolveOptions } from './api.js';
import type { ConveyorConfig } from './config.js';
import { formatDiagnostic } from './diagnostics.js';
import { createGenerator, type Generator } from './generator.js';

export interface ConveyorCodegenPluginOptions {
  /** Config file, relative to `cwd`. Default: `conveyor.config.ts` in `cwd`. */
  config?: string;
  /** Default: the build's working directory (`process.cwd()`). */
  cwd?: string;
  /** An inline config instead of a file. */
  inline?: ConveyorConfig;
}

/**
 * esbuild (and tsup) plugin: runs `conveyor generate` at the start of every build, so the
 * bundle never uses a stale client. Diagnostics fail the build with `file:line:col` errors.
 * In watch mode the generator is kept, so rebuilds re-analyse only changed task files.
 *
 * @example
 * // tsup.config.ts
 * import { conveyorCodegen } from '@conveyor/codegen/esbuild';
 * export default defineConfig({ entry: ['src/server.ts'], esbuildPlugins: [conveyorCodegen()] });
 */
export function conveyorCodegen(options: ConveyorCodegenPluginOptions = {}): Plugin {
  return {
    name: 'conveyor-codegen',
    setup(build) {
      let generator: Generator | undefined;
      build.onStart(async () => {
        generator ??= createGenerator(await resolveOptions(options));
        const { root } = generator.config;
        const result = await generator.run();
        return {
          errors: result.diagnostics.map((diagnostic) => ({
            text: `${diagnostic.code}: ${diagnostic.message} Fix: ${diagnostic.fix}`,
            location: {
              file: path.join(root, diagnostic.file),
              line: diagnostic.line,
              column: diagnostic.column - 1,
            },
            detail: formatDiagnostic(diagnostic),
          })),
        };
      });
    },
  };
}
