import type { EmitOptions, ResolvedTask } from './client.js';
import { createImportSet, quote, relativeSpecifier } from './imports.js';

/**
 * The worker module: imports every task implementation and stamps each definition with
 * its schema fingerprint, so the worker can count jobs sent by producers on another schema.
 */
export function emitRegistry(tasks: readonly ResolvedTask[], options: EmitOptions): string {
  const imports = createImportSet(['AnyTaskDefinition', 'withFingerprint', 'tasks']);
  const entries = tasks.map((task) => {
    const specifier = relativeSpecifier(options.outFile, task.file, options.importExtension);
    const local = imports.add(specifier, task.exportName, task.exportName, false);
    return `  withFingerprint(${local}, ${quote(task.fingerprint)}),`;
  });
  return [
    options.header,
    "import type { AnyTaskDefinition } from '@conveyor/core';",
    ...imports.render(),
    '',
    '/** A copy of the definition carrying its fingerprint (definitions are frozen). */',
    'function withFingerprint(task: AnyTaskDefinition, fingerprint: string): AnyTaskDefinition {',
    '  return Object.freeze({ ...task, fingerprint });',
    '}',
    '',
    '/** Every task definition, sorted by task name. `conveyor worker` loads this module. */',
    'export const tasks: readonly AnyTaskDefinition[] = [',
    ...entries,
    '];',
    '',
    'export default tasks;',
    '',
  ].join('\n');
}
