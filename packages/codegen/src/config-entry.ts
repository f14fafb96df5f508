/**
 * @conveyor/codegen/config: the config file's API without the code generator, so that a
 * config the `conveyor` command runs (one with a `transport`) does not load the TypeScript
 * compiler. The root entry exports the same names.
 *
 * @example
 * // conveyor.config.ts
 * import { defineConfig } from '@conveyor/codegen/config';
 */
export {
  assertConfigKeys,
  CONFIG_FILE_NAMES,
  type ConveyorConfig,
  defineConfig,
  type FindConfigOptions,
  findConfigFile,
  importConfig,
  loadConfig,
  type ResolvedConfig,
  resolveConfig,
  type TransportContext,
} from './config.js';
export { CodegenError, type CodegenErrorCode } from './diagnostics.js';
export { staleTaskFiles } from './task-files.js';
