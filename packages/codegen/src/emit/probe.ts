import { exportIdentifier } from '../analyze/export-name.js';
import type { TaskEntry } from '../analyze/task-file.js';
import type { EmitOptions } from './client.js';
import { createImportSet } from './imports.js';
import { renderTask } from './render-schema.js';

/** The names a probe gives a task's schemas and declared result type. */
export function probeNames(task: TaskEntry) {
  const prefix = exportIdentifier(task.exportName);
  return {
    input: `${prefix}InputSchema`,
    output: `${prefix}OutputSchema`,
    declaredResult: `${prefix}DeclaredResult`,
  };
}

/**
 * A module for the type checker, never written to disk: one task file's schemas (and
 * declared result types) copied as the generated client copies them. It imports only zod
 * and `*.schema.ts` modules, never task implementation code, so checking it is cheap.
 */
export function emitProbe(
  tasks: readonly TaskEntry[],
  options: Pick<EmitOptions, 'outFile' | 'importExtension' | 'resolver'>,
): string {
  const imports = createImportSet(
    tasks.flatMap((task) => [
      exportIdentifier(task.exportName),
      ...Object.values(probeNames(task)),
    ]),
  );
  const blocks = tasks.map((task) => {
    const rendered = renderTask(task, imports, options);
    const names = probeNames(task);
    return [
      ...rendered.declarations,
      `export const ${names.input} = ${rendered.input};`,
      ...(rendered.output ? [`export const ${names.output} = ${rendered.output};`] : []),
      ...(rendered.declaredResult
        ? [`export type ${names.declaredResult} = ${rendered.declaredResult};`]
        : []),
    ].join('\n');
  });
  return [...imports.render(), ...blocks, ''].join('\n');
}
