/**
 * @conveyor/codegen: reads `defineTask` files and generates a typed producer client that
 * imports no task implementation, plus the worker registry.
 */

export type { GeneratedSchedule } from './analyze/schedule-file.js';
export type { GeneratedWorkflow } from './analyze/workflow-plan.js';
export { checkGenerated, type GenerateOptions, generate } from './api.js';
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
export {
  CodegenDiagnosticsError,
  CodegenError,
  type CodegenErrorCode,
  type Diagnostic,
  type DiagnosticCode,
  formatDiagnostic,
} from './diagnostics.js';
export {
  createGenerator,
  type GeneratedTask,
  type GenerateResult,
  type Generator,
  type RunOptions,
} from './generator.js';
export { staleTaskFiles } from './task-files.js';
export { type WatchOptions, watchGenerate } from './watch.js';
export type { FileStatus } from './write.js';
