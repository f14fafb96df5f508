import { ts } from 'ts-morph';
import { copySchema, declaredReturnType, type Report } from './copy.js';
import { checkQueueName, queueFields } from './queue-option.js';
import type { SchemaScope } from './schema-closure.js';
import { positionOf, unwrapExpression } from './scope.js';
import { NotStatic, printStaticValue, type StaticValue, staticValue } from './static-value.js';
import type { TaskEntry } from './task-file.js';
import { checkTaskOptions } from './task-options.js';

/** Contract options the producer needs, in the order they are written out. */
const ROUTING_OPTIONS = ['queue', 'priority', 'retry', 'resultTtl', 'index'] as const;
const TASK_NAME = /^[A-Za-z0-9_.:/-]{1,128}$/;

/**
 * Reads one exported `defineTask({ … })` call: its name, schemas and routing options, from
 * the AST alone. Undefined, with the problem reported, when any of them cannot be read.
 */
export function readTask(
  call: ts.CallExpression,
  localName: string,
  exportName: string,
  scope: SchemaScope,
  report: Report,
): TaskEntry | undefined {
  const { file, bindings } = scope;
  const [argument] = call.arguments;
  const config = argument && unwrapExpression(argument);
  if (!config || !ts.isObjectLiteralExpression(config)) {
    report(
      argument ?? call,
      'SCHEMA_NOT_STATIC',
      `defineTask for ${JSON.stringify(exportName)} is not given an object literal, so codegen cannot read its name and schema.`,
      'Pass the task options inline: `defineTask({ name: "…", input: z.object({ … }), run })`.',
    );
    return undefined;
  }
  const properties = new Map<string, ts.Expression>();
  for (const property of config.properties) {
    if (ts.isPropertyAssignment(property) && !ts.isComputedPropertyName(property.name)) {
      properties.set(property.name.text, property.initializer);
    } else if (ts.isShorthandPropertyAssignment(property)) {
      properties.set(property.name.text, property.name);
    } else if (ts.isSpreadAssignment(property)) {
      report(
        property,
        'SCHEMA_NOT_STATIC',
        `defineTask for ${JSON.stringify(exportName)} spreads ${JSON.stringify(property.expression.getText())}; codegen cannot see which options that sets.`,
        'Write name, input, output and routing options inline in defineTask({ … }).',
      );
      return undefined;
    }
  }

  const nameNode = properties.get('name');
  const nameExpr = nameNode && unwrapExpression(nameNode);
  if (
    !nameExpr ||
    !(ts.isStringLiteral(nameExpr) || ts.isNoSubstitutionTemplateLiteral(nameExpr))
  ) {
    report(
      nameExpr ?? config,
      'TASK_NAME_NOT_LITERAL',
      `the name of task ${JSON.stringify(exportName)} is ${nameExpr ? JSON.stringify(nameExpr.getText()) : 'missing'}, not a string literal; jobs are routed by this name, so it must be readable without running the file.`,
      `Write it as a literal: \`name: 'app.${exportName}'\`.`,
    );
    return undefined;
  }
  const name = nameExpr.text;
  if (!TASK_NAME.test(name)) {
    report(
      nameExpr,
      'INVALID_TASK_NAME',
      `task name ${JSON.stringify(name)} is not valid.`,
      'Use 1–128 characters from A–Z, a–z, 0–9, "_", ".", ":", "/" and "-".',
    );
    return undefined;
  }

  const label = (what: string) => `the ${what} schema of task ${JSON.stringify(name)}`;
  const inputNode = properties.get('input');
  if (!inputNode) {
    report(
      config,
      'MISSING_INPUT_SCHEMA',
      `task ${JSON.stringify(name)} has no input schema; producers and the worker validate every job with it.`,
      'Add `input: z.object({ … })` (use `z.object({})` for a task that takes no input).',
    );
    return undefined;
  }
  // Without `run` the task generated a client (its result type "not portable"), and the
  // worker then refused the registry.
  const hasRun = config.properties.some((property) => {
    const key =
      property.name && ts.isComputedPropertyName(property.name)
        ? property.name.expression
        : property.name;
    if (!key || !(ts.isIdentifier(key) || ts.isStringLiteralLike(key)) || key.text !== 'run') {
      return false;
    }
    // `run: undefined` (or null) is no run either.
    if (!ts.isPropertyAssignment(property)) return true;
    const value = unwrapExpression(property.initializer);
    return !(
      (ts.isIdentifier(value) && value.text === 'undefined') ||
      value.kind === ts.SyntaxKind.NullKeyword
    );
  });
  if (!hasRun) {
    report(
      config,
      'MISSING_RUN',
      `task ${JSON.stringify(name)} has no run; the worker calls it for each job, and the result's type comes from it.`,
      'Add `async run(input, ctx) { … }`; for a task that other code runs, bind a taskContract({ name, input }) in the producer instead (client.bind(contract)): codegen writes stubs for defineTask calls only.',
    );
    return undefined;
  }
  const input = copySchema(inputNode, scope, label('input'), report);
  const outputNode = properties.get('output');
  const output = outputNode ? copySchema(outputNode, scope, label('output'), report) : undefined;

  const options: (readonly [string, string])[] = [];
  const optionValues: Record<string, StaticValue> = {};
  for (const key of ROUTING_OPTIONS) {
    const node = properties.get(key);
    if (!node) continue;
    try {
      const value = staticValue(node, bindings);
      if (key === 'queue' && typeof value === 'object' && value !== null) {
        // `queue: { name, partitions, partitionBy }`: the contract's queue, partitions and
        // partitionBy fields, as defineTask reads it.
        const fields = queueFields(value, name, node, report);
        if (fields === undefined) continue;
        for (const [field, fieldValue] of fields) {
          optionValues[field] = fieldValue;
          options.push([field, printStaticValue(fieldValue)]);
        }
        continue;
      }
      if (key === 'queue' && !checkQueueName(value, name, node, report)) continue;
      optionValues[key] = value;
      options.push([key, printStaticValue(value)]);
    } catch (error) {
      if (!(error instanceof NotStatic)) throw error;
      report(
        error.node,
        'OPTION_NOT_STATIC',
        `${key} of task ${JSON.stringify(name)} is ${JSON.stringify(error.node.getText())}, which codegen cannot read without running the file; producers need it to route jobs.`,
        `Write ${key} as a literal, or as a same-file const holding a literal.`,
      );
    }
  }
  const checked = checkTaskOptions(
    name,
    optionValues,
    properties.get('timeout'),
    bindings,
    (option) => properties.get(option) ?? config,
    report,
  );
  if (!checked || !input || (outputNode && !output)) return undefined;
  const runNode = properties.get('run');
  const runName = config.properties
    .map((property) => property.name)
    .find((key) => key !== undefined && ts.isIdentifier(key) && key.text === 'run');
  const declaredResult = outputNode ? undefined : declaredReturnType(runNode, config, scope);
  return {
    exportName,
    localName,
    name,
    file,
    ...positionOf(call),
    at: {
      input: positionOf(inputNode),
      output: outputNode && positionOf(outputNode),
      run: runName && positionOf(runName),
    },
    input,
    output,
    declaredResult,
    options,
    optionValues,
  };
}
