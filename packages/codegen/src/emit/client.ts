import type { CopiedDeclaration, CopiedSchema } from '../analyze/copy.js';
import type { TaskEntry } from '../analyze/task-file.js';
import { renderTemplate, type Template } from '../analyze/template.js';
import { createImportSet, quote, relativeSpecifier } from './imports.js';

/** A task ready to write out: its entry, fingerprint and (without `output`) result type. */
export interface ResolvedTask extends TaskEntry {
  /** Task file path relative to the config, `/`-separated. */
  readonly relativeFile: string;
  readonly fingerprint: string;
  /** Result type text when the task has no output schema. */
  readonly resultType: string | undefined;
}

export interface EmitOptions {
  /** Absolute path of the file being written. */
  readonly outFile: string;
  readonly importExtension: '.js' | '.ts' | '';
  /** First lines of the file (the "generated" notice). */
  readonly header: string;
}

const CORE_NAMES = [
  'bindTask',
  'Client',
  'InferSchemaOutput',
  'InvalidOptionError',
  'Jsonify',
  'taskContract',
];

/**
 * The producer module: one contract and one lazily bound stub per task, and schemas
 * copied (or imported from `*.schema.ts`), never an import of a task file.
 */
export function emitClient(tasks: readonly ResolvedTask[], options: EmitOptions): string {
  const reserved = new Set([
    ...CORE_NAMES,
    'configureConveyor',
    'contracts',
    'clientRef',
    'resolveClient',
  ]);
  for (const task of tasks) {
    reserved.add(task.exportName);
    reserved.add(contractName(task));
    reserved.add(`${task.exportName}InputSchema`);
    reserved.add(`${task.exportName}OutputSchema`);
  }
  const imports = createImportSet(reserved);
  const blocks = tasks.map((task) => emitTask(task, imports, options));

  const lines = [
    options.header,
    "import { bindTask, type Client, type InferSchemaOutput, InvalidOptionError, type Jsonify, taskContract } from '@conveyor/core';",
    ...imports.render(),
    '',
    'let clientRef: Client | (() => Client) | undefined;',
    '',
    '/**',
    ' * Sets the client every stub in this module enqueues through. Call it once at start-up;',
    ' * pass a function to create the client on the first call instead.',
    ' *',
    ' * @example',
    ' * configureConveyor(createClient({ transport: redisTransport({ url: process.env.REDIS_URL }) }));',
    ' */',
    'export function configureConveyor(client: Client | (() => Client)): void {',
    '  clientRef = client;',
    '}',
    '',
    'function resolveClient(): Client {',
    '  if (clientRef === undefined) {',
    '    throw new InvalidOptionError(',
    "      'client',",
    '      undefined,',
    "      'a client: call configureConveyor(client) from this generated module before the first .delay()',",
    '    );',
    '  }',
    "  return typeof clientRef === 'function' ? clientRef() : clientRef;",
    '}',
    ...blocks,
    '',
    '/** Every contract in this module, sorted by task name. */',
    `export const contracts = [${tasks.map(contractName).join(', ')}] as const;`,
    '',
  ];
  return lines.join('\n');
}

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
  task: TaskEntry,
  imports: ReturnType<typeof createImportSet>,
  options: Pick<EmitOptions, 'outFile' | 'importExtension'>,
): RenderedTask {
  const copies = [task.input, task.output, task.declaredResult].filter(
    (copy): copy is CopiedSchema => copy !== undefined,
  );
  // Names the copied text uses → names in the generated module.
  const names = new Map<string, string>();
  for (const copy of copies) {
    for (const item of copy.imports) {
      const specifier = item.isFile
        ? relativeSpecifier(options.outFile, item.from, options.importExtension)
        : item.from;
      names.set(item.local, imports.add(specifier, item.imported, item.local, item.typeOnly));
    }
  }
  const declarations = new Map<string, CopiedDeclaration>();
  for (const copy of copies) {
    for (const declaration of copy.declarations) {
      declarations.set(declaration.name, declaration);
      names.set(declaration.name, `${task.exportName}$${declaration.name}`);
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

function emitTask(
  task: ResolvedTask,
  imports: ReturnType<typeof createImportSet>,
  options: EmitOptions,
): string {
  const rendered = renderTask(task, imports, options);
  const prefix = task.exportName;
  // With an output schema, core decodes the stored result with it; without one, a reader
  // gets the JSON form of what run returns (a Date arrives as a string).
  const result = task.output
    ? `InferSchemaOutput<typeof ${prefix}OutputSchema>`
    : `Jsonify<${rendered.declaredResult ?? task.resultType ?? 'unknown'}>`;
  const fields = [
    `  name: ${quote(task.name)},`,
    `  input: ${prefix}InputSchema,`,
    ...(task.output ? [`  output: ${prefix}OutputSchema,`] : []),
    ...task.options.map(([key, value]) => `  ${key}: ${value},`),
    `  fingerprint: ${quote(task.fingerprint)},`,
  ];
  return [
    '',
    `// ${task.name}, from ${task.relativeFile}`,
    ...rendered.declarations,
    `const ${prefix}InputSchema = ${rendered.input};`,
    ...(rendered.output ? [`const ${prefix}OutputSchema = ${rendered.output};`] : []),
    '',
    `/** Contract of ${quote(task.name)}: what a producer needs, without \`run\`. */`,
    `export const ${contractName(task)} = taskContract<`,
    `  ${quote(task.name)},`,
    `  typeof ${prefix}InputSchema,`,
    `  ${result}`,
    '>({',
    ...fields,
    '});',
    '',
    `/** \`${task.exportName}.delay(input)\` enqueues ${quote(task.name)}. */`,
    `export const ${task.exportName} = bindTask(resolveClient, ${contractName(task)});`,
  ].join('\n');
}

function contractName(task: TaskEntry): string {
  return `${task.exportName}Contract`;
}
