import type { CopiedDeclaration, CopiedSchema } from '../analyze/copy.js';
import { exportIdentifier } from '../analyze/export-name.js';
import type { SchemaImport } from '../analyze/schema-closure.js';
import type { TaskEntry } from '../analyze/task-file.js';
import { renderTemplate, type Template } from '../analyze/template.js';
import type { EmitOptions } from './client.js';
import { type createImportSet, relativeSpecifier } from './imports.js';

/** A task's copied schemas (and declared result type), rendered for one generated module. */
export interface RenderedTask {
  /** Copied same-file declarations, each `export`ed and prefixed with the task's export name. */
  readonly declarations: readonly string[];
  readonly input: string;
  readonly output: string | undefined;
  readonly declaredResult: string | undefined;
}

/**
 * Renders what a task's schemas need in a module at `outFile`: imports go to `imports`;
 * copied declarations get the task's prefix, so two task files may both declare `address`.
 */
export function renderTask(
  task: Pick<TaskEntry, 'exportName' | 'input' | 'output' | 'declaredResult'>,
  imports: ReturnType<typeof createImportSet>,
  options: Pick<EmitOptions, 'outFile' | 'importExtension' | 'resolver'>,
): RenderedTask {
  const copies = [task.input, task.output, task.declaredResult].filter(
    (copy): copy is CopiedSchema => copy !== undefined,
  );
  // Names the copied text uses → names in the generated module.
  const names = new Map<string, string>();
  for (const copy of copies) {
    for (const item of copy.imports) {
      const specifier = item.isFile ? fileSpecifier(item, options) : item.from;
      names.set(item.local, imports.add(specifier, item.imported, item.local, item.typeOnly));
    }
  }
  const declarations = new Map<string, CopiedDeclaration>();
  for (const copy of copies) {
    for (const declaration of copy.declarations) {
      declarations.set(declaration.name, declaration);
      names.set(declaration.name, `${exportIdentifier(task.exportName)}$${declaration.name}`);
    }
  }
  const render = (template: Template) =>
    renderTemplate(template, (name) => names.get(name) ?? name);
  return {
    // Exported so that declaration emit (tsc --declaration, tsup dts) can name them.
    declarations: [...declarations.values()].map(
      (declaration) => `export ${render(declaration.template)}`,
    ),
    input: render(task.input.expression),
    output: task.output && render(task.output.expression),
    declaredResult: task.declaredResult && render(task.declaredResult.expression),
  };
}

/**
 * How the module at `outFile` imports a schema module: by the `paths` alias or package
 * specifier the task file wrote when it resolves to the same file from there (a client
 * beside the tasks), else by a relative path (a client where that package is not installed).
 */
function fileSpecifier(
  item: SchemaImport,
  options: Pick<EmitOptions, 'outFile' | 'importExtension' | 'resolver'>,
): string {
  if (
    item.specifier !== undefined &&
    options.resolver?.resolve(item.specifier, options.outFile) === item.from
  ) {
    return item.specifier;
  }
  return relativeSpecifier(options.outFile, item.from, options.importExtension);
}
