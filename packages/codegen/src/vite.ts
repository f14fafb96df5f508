import { resolveOptions } from './api.js';
import type { ConveyorConfig } from './config.js';
import { CodegenDiagnosticsError } from './diagnostics.js';
import { createGenerator, type Generator } from './generator.js';

export interface ConveyorVitePluginOptions {
  config?: string;
  cwd?: string;
  inline?: ConveyorConfig;
}

/** The part of Vite's (and Rollup's) plugin shape this plugin uses. */
export interface ConveyorVitePlugin {
  name: string;
  buildStart(): Promise<void>;
}

/**
 * Vite/Rollup plugin: generates at build start (and at dev-server start). Throws
 * {@link CodegenDiagnosticsError} when task files have problems.
 *
 * @example
 * // vite.config.ts
 * import { conveyorCodegen } from '@conveyor/codegen/vite';
 * export default defineConfig({ plugins: [conveyorCodegen()] });
 */
export function conveyorCodegen(options: ConveyorVitePluginOptions = {}): ConveyorVitePlugin {
  let generator: Generator | undefined;
  return {
    name: 'conveyor-codegen',
    async buildStart() {
      generator ??= createGenerator(await resolveOptions(options));
      const result = await generator.run();
      if (result.diagnostics.length > 0) throw new CodegenDiagnosticsError(result.diagnostics);
    },
  };
}
