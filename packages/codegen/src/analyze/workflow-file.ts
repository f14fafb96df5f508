import { ts } from 'ts-morph';
import { type CopiedSchema, copySchema, type Report } from './copy.js';
import { defaultExportProblem } from './default-export.js';
import { coreCallTest, coreReferences } from './schedule-file.js';
import type { SchemaScope } from './schema-closure.js';
import { literalStringOption, positionOf, unwrapExpression } from './scope.js';
import { NotStatic, staticValue } from './static-value.js';
import { checkStepNames } from './step-names.js';
import type { Position } from './task-file.js';
import { readFlow, type WorkflowStageEntry, type WorkflowStepEntry } from './workflow-flow.js';

const WORKFLOW_NAME = /^[A-Za-z0-9_.:/-]{1,128}$/;

/** One `export const x = defineWorkflow({...})`, as the emitters need it. */
export interface WorkflowEntry extends Position {
  readonly exportName: string;
  /** The workflow name, e.g. `shop.placeOrder`. */
  readonly name: string;
  /** Absolute path of the task file. */
  readonly file: string;
  readonly input: CopiedSchema;
  readonly stages: readonly WorkflowStageEntry[];
  readonly compensations: readonly WorkflowStepEntry[];
}

/** The name and export name of a `defineWorkflow` call, read even when it has other problems. */
export interface WorkflowIdentity extends Position {
  readonly name: string | undefined;
  readonly exportName: string | undefined;
  readonly file: string;
}

/**
 * The `defineWorkflow` calls of a task file, from its AST alone: the input schema is copied
 * as a task's is, and the stages are read from the `steps` call chain (see workflow-flow.ts).
 * Tasks are left as references, resolved against every task file by the generator.
 */
export function findWorkflows(
  source: ts.SourceFile,
  scope: SchemaScope,
  exports: {
    /** local name → export name (see `exportedNames`). */
    readonly exported: ReadonlyMap<string, string>;
    /** Local names exported as the default (see `defaultExportedNames`). */
    readonly defaultExported: ReadonlySet<string>;
  },
  report: Report,
): { workflows: WorkflowEntry[]; identities: WorkflowIdentity[] } {
  const { file, bindings } = scope;
  const names = coreReferences(bindings, 'defineWorkflow');
  const workflows: WorkflowEntry[] = [];
  const identities: WorkflowIdentity[] = [];
  if (names.direct.size === 0 && names.namespaces.size === 0) return { workflows, identities };
  const isDefineWorkflow = coreCallTest(names, 'defineWorkflow');
  for (const statement of source.statements) {
    if (ts.isExportAssignment(statement) && isDefineWorkflow(statement.expression)) {
      const { message, fix } = defaultExportProblem('workflow', 'placeOrder');
      report(statement, 'WORKFLOW_NOT_EXPORTED', message, fix);
      continue;
    }
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!declaration.initializer || !isDefineWorkflow(declaration.initializer)) continue;
      if (!ts.isIdentifier(declaration.name)) continue;
      const local = declaration.name.text;
      const call = unwrapExpression(declaration.initializer) as ts.CallExpression;
      const exportName = exports.exported.get(local);
      identities.push({
        name: literalStringOption(call, 'name'),
        exportName,
        file,
        ...positionOf(call),
      });
      if (!exportName && exports.defaultExported.has(local)) {
        const { message, fix } = defaultExportProblem('workflow', local);
        report(declaration, 'WORKFLOW_NOT_EXPORTED', message, fix);
        continue;
      }
      if (!exportName) {
        report(
          declaration,
          'WORKFLOW_NOT_EXPORTED',
          `workflow ${JSON.stringify(local)} is not exported, so the worker registry cannot import it and no worker runs it.`,
          `Write \`export const ${local} = defineWorkflow({ … })\`.`,
        );
        continue;
      }
      const entry = readWorkflow(call, exportName, scope, report);
      if (entry) workflows.push(entry);
    }
  }
  return { workflows, identities };
}

function readWorkflow(
  call: ts.CallExpression,
  exportName: string,
  scope: SchemaScope,
  report: Report,
): WorkflowEntry | undefined {
  const { file, bindings } = scope;
  const [argument] = call.arguments;
  const config = argument && unwrapExpression(argument);
  const inline =
    'Pass the options inline: `defineWorkflow({ name: "…", input: z.object({ … }), steps: (flow) => flow.step(…) })`.';
  if (!config || !ts.isObjectLiteralExpression(config)) {
    report(
      argument ?? call,
      'WORKFLOW_NOT_STATIC',
      `defineWorkflow for ${JSON.stringify(exportName)} is not given an object literal, so codegen cannot read its name, schema and steps.`,
      inline,
    );
    return undefined;
  }
  const properties = new Map<string, ts.Node>();
  for (const property of config.properties) {
    if (ts.isSpreadAssignment(property)) {
      report(
        property,
        'WORKFLOW_NOT_STATIC',
        `defineWorkflow for ${JSON.stringify(exportName)} spreads ${JSON.stringify(property.expression.getText())}; codegen cannot see which options that sets.`,
        inline,
      );
      return undefined;
    }
    if (property.name && !ts.isComputedPropertyName(property.name)) {
      properties.set(property.name.getText().replace(/^['"]|['"]$/g, ''), property);
    }
  }
  const optionValue = (key: string): ts.Expression | undefined => {
    const property = properties.get(key);
    if (property && ts.isPropertyAssignment(property)) return property.initializer;
    if (property && ts.isShorthandPropertyAssignment(property)) return property.name;
    return undefined;
  };

  const nameNode = optionValue('name');
  let name: string | undefined;
  try {
    const value = nameNode && staticValue(nameNode, bindings);
    if (typeof value === 'string') name = value;
  } catch (error) {
    if (!(error instanceof NotStatic)) throw error;
  }
  if (name === undefined) {
    report(
      nameNode ?? config,
      'WORKFLOW_NOT_STATIC',
      `the name of workflow ${JSON.stringify(exportName)} is ${nameNode ? JSON.stringify(nameNode.getText()) : 'missing'}, not a string literal; runs are stored and routed by this name, so it must be readable without running the file.`,
      `Write it as a literal: \`name: 'app.${exportName}'\`.`,
    );
    return undefined;
  }
  if (!WORKFLOW_NAME.test(name)) {
    report(
      nameNode ?? config,
      'INVALID_WORKFLOW_NAME',
      `workflow name ${JSON.stringify(name)} is not valid.`,
      'Use 1–128 characters from A–Z, a–z, 0–9, "_", ".", ":", "/" and "-" (the task name rule).',
    );
    return undefined;
  }

  const inputNode = optionValue('input');
  if (!inputNode) {
    report(
      config,
      'MISSING_INPUT_SCHEMA',
      `workflow ${JSON.stringify(name)} has no input schema; producers validate every start with it.`,
      'Add `input: z.object({ … })`.',
    );
    return undefined;
  }
  const input = copySchema(
    inputNode,
    scope,
    `the input schema of workflow ${JSON.stringify(name)}`,
    report,
  );
  const flow = readFlow(properties.get('steps'), config, name, file, bindings, report);
  if (!flow || !checkStepNames(name, flow, report) || !input) return undefined;
  return { exportName, name, file, ...positionOf(call), input, ...flow };
}
