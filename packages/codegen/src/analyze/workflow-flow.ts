import { ts } from 'ts-morph';
import type { Report } from './copy.js';
import { resolveRelative } from './schema-module.js';
import { positionOf, type TopLevelBinding, unwrapExpression } from './scope.js';
import { NotStatic, type StaticValue, staticValue } from './static-value.js';
import type { Position } from './task-file.js';

/**
 * Reads a workflow's stages from its `steps: (flow) => flow.step(…).parallel({…})…` call
 * chain, without running it: what `workflowPlan` needs (step names, tasks, failure
 * policies, which steps have a mapping). Mappings themselves are code and stay in the
 * workflow's module.
 */

/** What happens when a step fails, as core's `OnFailure`. */
export type StepOnFailure = 'fail' | 'continue' | { readonly compensate: string };

/** A step's task: a name bound in a task file, resolved against the task files later. */
export interface WorkflowTaskRef {
  /** Absolute path of the file that defines the task. */
  readonly file: string;
  /** The task's local name in `file` (`local`), else the name `file` exports it under. */
  readonly name: string;
  readonly local: boolean;
  /** The expression as written, for messages. */
  readonly written: string;
  readonly at: Position;
}

export interface WorkflowStepEntry {
  readonly name: string;
  /** Where the name is written: the argument, or a group's property name. */
  readonly nameAt: Position;
  readonly task: WorkflowTaskRef;
  readonly onFailure: StepOnFailure;
  /** True when the step has an input mapping (never for a map's child). */
  readonly mapped: boolean;
}

export interface WorkflowStageEntry {
  readonly kind: 'step' | 'parallel' | 'map';
  readonly steps: readonly WorkflowStepEntry[];
}

const FLOW_METHODS = ['step', 'parallel', 'map', 'compensation'] as const;

/** Thrown at the node that cannot be read, with what to write instead. */
class NotAnalysable extends Error {
  constructor(
    readonly node: ts.Node,
    readonly what: string,
    readonly fix: string,
    readonly code: 'WORKFLOW_NOT_STATIC' | 'WORKFLOW_TASK_UNKNOWN' = 'WORKFLOW_NOT_STATIC',
  ) {
    super(what);
  }
}

/**
 * Thrown at a group core would not run as written: `message` is given the workflow's label.
 * Unlike {@link NotAnalysable}, codegen reads it fine; the workflow itself is wrong.
 */
class RefusedGroup extends Error {
  constructor(
    readonly node: ts.Node,
    readonly code: 'EMPTY_PARALLEL_GROUP' | 'INVALID_STEP_NAME',
    readonly describe: (label: string) => string,
    readonly fix: string,
  ) {
    super(describe('a workflow'));
  }
}

export function readFlow(
  steps: ts.Node | undefined,
  config: ts.ObjectLiteralExpression,
  workflow: string,
  file: string,
  bindings: ReadonlyMap<string, TopLevelBinding>,
  report: Report,
): { stages: WorkflowStageEntry[]; compensations: WorkflowStepEntry[] } | undefined {
  const label = `workflow ${JSON.stringify(workflow)}`;
  try {
    const calls = flowCalls(steps ?? config, steps !== undefined);
    const stages: WorkflowStageEntry[] = [];
    const compensations: WorkflowStepEntry[] = [];
    const reader = stepReader(file, bindings);
    for (const { method, call } of calls) {
      for (const argument of call.arguments) {
        if (ts.isSpreadElement(argument)) {
          throw new NotAnalysable(
            argument,
            `.${method}(…) spreads ${JSON.stringify(argument.expression.getText())}`,
            `Write the arguments of .${method}(…) out.`,
          );
        }
      }
      const [first, second, third] = call.arguments;
      if (method === 'parallel') {
        stages.push({ kind: 'parallel', steps: reader.branches(first, call) });
      } else {
        const step = reader.step(first, second, third, call, method);
        if (method === 'compensation') compensations.push(step);
        else stages.push({ kind: method, steps: [step] });
      }
    }
    return { stages, compensations };
  } catch (error) {
    if (error instanceof RefusedGroup) {
      report(error.node, error.code, error.describe(label), error.fix);
      return undefined;
    }
    if (!(error instanceof NotAnalysable)) throw error;
    report(
      error.node,
      error.code,
      `${label}: ${error.what}, which codegen cannot read without running the file; producers need the workflow's plan (its steps, tasks and failure policies).`,
      error.fix,
    );
    return undefined;
  }
}

/** The `.step` / `.parallel` / `.map` / `.compensation` calls of `steps`, in order. */
function flowCalls(
  steps: ts.Node,
  present: boolean,
): { method: (typeof FLOW_METHODS)[number]; call: ts.CallExpression }[] {
  const shape =
    'Write `steps: (flow) => flow.step(…).parallel({ … }).map(…).compensation(…)`, one chain on the parameter.';
  if (!present) throw new NotAnalysable(steps, 'there is no `steps`', shape);
  let fn: (ts.SignatureDeclaration & { body?: ts.ConciseBody }) | undefined;
  if (ts.isMethodDeclaration(steps)) fn = steps;
  else if (ts.isPropertyAssignment(steps)) {
    const value = unwrapExpression(steps.initializer);
    if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) fn = value;
  }
  const parameter = fn?.parameters[0];
  if (!fn?.body || !parameter || !ts.isIdentifier(parameter.name)) {
    throw new NotAnalysable(steps, '`steps` is not a function of the flow written inline', shape);
  }
  let body: ts.Node = fn.body;
  if (ts.isBlock(body)) {
    const [only] = body.statements;
    if (body.statements.length !== 1 || !only || !ts.isReturnStatement(only) || !only.expression) {
      throw new NotAnalysable(body, '`steps` has a body other than one `return flow…`', shape);
    }
    body = only.expression;
  }
  const calls: { method: (typeof FLOW_METHODS)[number]; call: ts.CallExpression }[] = [];
  let node = unwrapExpression(body as ts.Expression);
  while (ts.isCallExpression(node)) {
    const callee = node.expression;
    const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    const known = FLOW_METHODS.find((name) => name === method);
    if (!ts.isPropertyAccessExpression(callee) || !known) {
      throw new NotAnalysable(
        node,
        `\`${node.expression.getText()}(…)\` is not a flow method`,
        shape,
      );
    }
    calls.push({ method: known, call: node });
    node = unwrapExpression(callee.expression);
  }
  if (!ts.isIdentifier(node) || node.text !== parameter.name.text) {
    throw new NotAnalysable(
      node,
      `the chain starts at ${JSON.stringify(node.getText())}, not at the flow parameter`,
      shape,
    );
  }
  return calls.reverse();
}

function stepReader(file: string, bindings: ReadonlyMap<string, TopLevelBinding>) {
  const literal = (node: ts.Expression, what: string, fix: string): StaticValue => {
    try {
      return staticValue(node, bindings);
    } catch (error) {
      if (!(error instanceof NotStatic)) throw error;
      throw new NotAnalysable(
        error.node,
        `${what} is ${JSON.stringify(error.node.getText())}`,
        fix,
      );
    }
  };
  const stepName = (node: ts.Expression | undefined, at: ts.Node): string => {
    const fix = "Write the step name as a string literal: `.step('reserve', …)`.";
    if (!node) throw new NotAnalysable(at, 'a step has no name', fix);
    const value = literal(node, 'a step name', fix);
    if (typeof value !== 'string')
      throw new NotAnalysable(node, `the step name ${node.getText()} is no string`, fix);
    return value;
  };
  const options = (node: ts.Expression | undefined, step: string): Map<string, ts.Expression> => {
    const found = new Map<string, ts.Expression>();
    if (node === undefined) return found;
    const object = unwrapExpression(node);
    const fix = `Write the options of step ${JSON.stringify(step)} inline: \`{ input: (previous, input) => …, onFailure: 'continue' }\`.`;
    if (!ts.isObjectLiteralExpression(object)) {
      throw new NotAnalysable(
        node,
        `the options of step ${JSON.stringify(step)} are ${JSON.stringify(node.getText())}`,
        fix,
      );
    }
    for (const property of object.properties) {
      const key =
        property.name && !ts.isComputedPropertyName(property.name)
          ? propertyKey(property.name)
          : undefined;
      if (key === undefined || ts.isSpreadAssignment(property)) {
        throw new NotAnalysable(
          property,
          `the options of step ${JSON.stringify(step)} hold ${JSON.stringify(property.getText())}`,
          fix,
        );
      }
      if (ts.isPropertyAssignment(property)) found.set(key, property.initializer);
      else if (ts.isShorthandPropertyAssignment(property)) found.set(key, property.name);
      else found.set(key, property as unknown as ts.Expression); // a method: a mapping
    }
    return found;
  };
  const onFailure = (node: ts.Expression | undefined, step: string): StepOnFailure => {
    if (node === undefined) return 'fail';
    const fix = "Write onFailure as a literal: 'fail', 'continue' or { compensate: 'name' }.";
    const value = literal(node, `onFailure of step ${JSON.stringify(step)}`, fix);
    if (value === 'fail' || value === 'continue') return value;
    if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).join() === 'compensate' &&
      typeof (value as { compensate: StaticValue }).compensate === 'string'
    ) {
      return { compensate: (value as { compensate: string }).compensate };
    }
    throw new NotAnalysable(
      node,
      `onFailure of step ${JSON.stringify(step)} is ${node.getText()}`,
      fix,
    );
  };
  const isMapped = (node: ts.Expression | undefined) =>
    node !== undefined && !(ts.isIdentifier(node) && node.text === 'undefined');
  const task = (node: ts.Expression | undefined, step: string, at: ts.Node): WorkflowTaskRef => {
    const fix = `Pass the task itself: a defineTask export of a task file, imported by name (\`import { chargePayment } from './charge-payment.js'\`) or defined in this file.`;
    if (!node) throw new NotAnalysable(at, `step ${JSON.stringify(step)} has no task`, fix);
    const expr = unwrapExpression(node);
    const where = { written: expr.getText(), at: positionOf(expr) };
    const unknown = (what: string) =>
      new NotAnalysable(
        expr,
        `the task of step ${JSON.stringify(step)}, ${JSON.stringify(expr.getText())}, ${what}`,
        fix,
        'WORKFLOW_TASK_UNKNOWN',
      );
    if (ts.isIdentifier(expr)) {
      const binding = bindings.get(expr.text);
      if (binding?.kind === 'const') return { file, name: expr.text, local: true, ...where };
      if (
        binding?.kind === 'import' &&
        binding.imported !== '*' &&
        binding.imported !== 'default'
      ) {
        const target = taskFileOf(binding.specifier, file);
        if ('problem' in target) throw unknown(target.problem);
        return { file: target.file, name: binding.imported, local: false, ...where };
      }
      throw unknown(
        binding
          ? `is ${binding.kind === 'other' ? binding.what : `a ${binding.kind}`}`
          : 'is not a top-level name of the file',
      );
    }
    if (ts.isPropertyAccessExpression(expr) && ts.isIdentifier(expr.expression)) {
      const binding = bindings.get(expr.expression.text);
      if (binding?.kind === 'import' && binding.imported === '*') {
        const target = taskFileOf(binding.specifier, file);
        if ('problem' in target) throw unknown(target.problem);
        return { file: target.file, name: expr.name.text, local: false, ...where };
      }
    }
    throw unknown(
      ts.isCallExpression(expr) ? 'comes from a function call' : 'is not a name codegen can follow',
    );
  };

  return {
    step(
      nameNode: ts.Expression | undefined,
      taskNode: ts.Expression | undefined,
      optionsNode: ts.Expression | undefined,
      call: ts.CallExpression,
      method: 'step' | 'map' | 'compensation',
    ): WorkflowStepEntry {
      const name = stepName(nameNode, call);
      const found = options(optionsNode, name);
      return {
        name,
        nameAt: positionOf(nameNode ?? call),
        task: task(taskNode, name, call),
        onFailure: method === 'compensation' ? 'fail' : onFailure(found.get('onFailure'), name),
        mapped: method === 'map' ? false : isMapped(found.get('input')),
      };
    },
    branches(node: ts.Expression | undefined, call: ts.CallExpression): WorkflowStepEntry[] {
      const fix =
        'Write the group inline: `.parallel({ ship: { task: notifyWarehouse, input: (previous, input) => … }, … })`.';
      const object = node && unwrapExpression(node);
      if (!object || !ts.isObjectLiteralExpression(object)) {
        throw new NotAnalysable(
          node ?? call,
          `the group is ${node ? JSON.stringify(node.getText()) : 'missing'}`,
          fix,
        );
      }
      if (object.properties.length === 0) {
        throw new RefusedGroup(
          object,
          'EMPTY_PARALLEL_GROUP',
          (label) =>
            `the parallel group of ${label} is empty (${object.getText()}); core refuses a group without steps when the module is imported, so no worker starts.`,
          'Put at least one step in the group (`.parallel({ ship: { task: notifyWarehouse } })`), or remove the `.parallel(…)`.',
        );
      }
      const steps: WorkflowStepEntry[] = [];
      for (const property of object.properties) {
        const key =
          property.name && !ts.isComputedPropertyName(property.name)
            ? propertyKey(property.name)
            : undefined;
        if (key === undefined || !ts.isPropertyAssignment(property)) {
          throw new NotAnalysable(
            property,
            `the group holds ${JSON.stringify(property.getText())}`,
            fix,
          );
        }
        if (key === '__proto__') {
          // `{ __proto__: x }`, quoted or not, sets the group's prototype: core sees no step.
          throw new RefusedGroup(
            property.name,
            'INVALID_STEP_NAME',
            (label) =>
              `the group key ${property.name.getText()} of ${label} names no step: in an object literal it sets the prototype, so core never sees that step, and the plan codegen would write differs from the workflow's (every run would fail WORKFLOW_SKEW).`,
            'Give the step another name.',
          );
        }
        const found = options(property.initializer, key);
        steps.push({
          name: key,
          nameAt: positionOf(property.name),
          task: task(found.get('task'), key, property),
          onFailure: onFailure(found.get('onFailure'), key),
          mapped: isMapped(found.get('input')),
        });
      }
      return inPropertyOrder(steps);
    },
  };
}

function propertyKey(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name))
    return name.text;
  if (ts.isNumericLiteral(name)) return String(Number(name.text));
  return undefined;
}

/** `Object.entries` order, which core's group follows: integer keys first, ascending. */
function inPropertyOrder(steps: WorkflowStepEntry[]): WorkflowStepEntry[] {
  const isIndex = (key: string) => /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;
  const indices = steps
    .filter((step) => isIndex(step.name))
    .sort((a, b) => Number(a.name) - Number(b.name));
  return [...indices, ...steps.filter((step) => !isIndex(step.name))];
}

/** Where a step's task is defined: resolved against the task files by the generator. */
function taskFileOf(specifier: string, file: string): { file: string } | { problem: string } {
  if (!specifier.startsWith('.')) {
    return { problem: `is imported from package ${JSON.stringify(specifier)}` };
  }
  const target = resolveRelative(file, specifier);
  return target
    ? { file: target }
    : {
        problem: `is imported from ${JSON.stringify(specifier)}, which does not resolve to a file`,
      };
}
