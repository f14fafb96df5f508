import { ts } from 'ts-morph';
import type { Diagnostic } from '../diagnostics.js';
import { probeNames } from '../emit/probe.js';
import type { CopiedSchema } from './copy.js';
import { findJsonProblem, type JsonProblem } from './json-boundary.js';
import { isKnownJson, type JsonSyntax } from './json-syntax.js';
import { NotPortableType, printType } from './result-type.js';
import { unwrapExpression } from './scope.js';
import type { TaskEntry } from './task-file.js';

/** What the type checker says about one task. */
export interface TaskTypes {
  /** Where the input schema's input type cannot cross JSON. */
  readonly input: JsonProblem | undefined;
  /**
   * Where the result cannot cross JSON: the output schema's input type, else `run`'s
   * declared or inferred return type.
   */
  readonly result: JsonProblem | undefined;
  /** `run`'s inferred return type written out (only without output schema and annotation). */
  readonly resultType: string | NotPortableType | undefined;
}

/** What only the type checker can answer about a task; the AST settled the rest. */
export interface TypeQuestions {
  /** The JSON boundary of the input schema. */
  readonly input: boolean;
  /**
   * The result's: from a probe (the output schema or a declared return type), or from the
   * task file (`run`'s inferred return type, which is also written out).
   */
  readonly result: 'probe' | 'run' | undefined;
}

/** No question left: the AST showed that everything crosses JSON. */
export const NO_TYPE_ISSUES: TaskTypes = {
  input: undefined,
  result: undefined,
  resultType: undefined,
};

/**
 * Which of a task's types need the checker. Copied code the AST knows to be JSON-safe (see
 * json-syntax.ts), with the `*.schema.ts` modules it imports, does not.
 *
 * @param moduleJson what the AST says about a schema module, by absolute path
 */
export function typeQuestions(
  task: TaskEntry,
  moduleJson: (file: string) => JsonSyntax,
): TypeQuestions {
  const unknown = (copy: CopiedSchema) =>
    !isKnownJson([
      copy.json,
      ...copy.imports.filter((item) => item.isFile).map((item) => moduleJson(item.from)),
    ]);
  const resultCopy = task.output ?? task.declaredResult;
  return {
    input: unknown(task.input),
    result: !resultCopy ? 'run' : unknown(resultCopy) ? 'probe' : undefined,
  };
}

/**
 * Reads what can be read from a probe (see `emitProbe`): the JSON boundary of the input
 * schema, and of the output schema or declared result type.
 */
export function readSchemaTypes(
  probe: ts.SourceFile,
  task: TaskEntry,
  checker: ts.TypeChecker,
  questions: TypeQuestions,
): Pick<TaskTypes, 'input' | 'result'> {
  const names = probeNames(task);
  const schemaProblem = (name: string, root: string) => {
    const initializer = exportedConst(probe, name)?.initializer;
    const type = initializer && schemaInputType(initializer, checker);
    return type && findJsonProblem(type, checker, { root, source: 'schema', validatedAfter: true });
  };
  const input = questions.input ? schemaProblem(names.input, 'input') : undefined;
  if (questions.result !== 'probe') return { input, result: undefined };
  if (task.output) return { input, result: schemaProblem(names.output, 'result') };
  const alias = probe.statements.find(
    (statement): statement is ts.TypeAliasDeclaration =>
      ts.isTypeAliasDeclaration(statement) && statement.name.text === names.declaredResult,
  );
  const declared = alias && checker.getTypeAtLocation(alias.name);
  const result =
    declared &&
    findJsonProblem(declared, checker, { root: 'result', source: 'run', validatedAfter: false });
  return { input, result };
}

/**
 * Reads `run`'s awaited return type from the task file (which costs a program holding the
 * task's implementation): its JSON boundary, and the type written out.
 */
export function readRunTypes(
  source: ts.SourceFile,
  task: TaskEntry,
  checker: ts.TypeChecker,
): Pick<TaskTypes, 'result' | 'resultType'> {
  const returned = runReturnType(taskConfig(source, task.localName), checker);
  if (!returned) {
    return {
      result: undefined,
      resultType: new NotPortableType('codegen cannot find the return type of run'),
    };
  }
  const result = findJsonProblem(returned, checker, {
    root: 'result',
    source: 'run',
    validatedAfter: false,
  });
  // A result that cannot cross JSON is reported as such; there is no type to write out.
  if (result) return { result, resultType: undefined };
  try {
    return { result, resultType: printType(returned, checker) };
  } catch (error) {
    if (!(error instanceof NotPortableType)) throw error;
    return { result, resultType: error };
  }
}

function exportedConst(source: ts.SourceFile, name: string): ts.VariableDeclaration | undefined {
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.name.text === name) return declaration;
    }
  }
  return undefined;
}

/** The object literal passed to `defineTask` by `const <localName> = defineTask({ … })`. */
function taskConfig(
  source: ts.SourceFile,
  localName: string,
): ts.ObjectLiteralExpression | undefined {
  const call = exportedConst(source, localName)?.initializer;
  const unwrapped = call && unwrapExpression(call);
  const argument = unwrapped && ts.isCallExpression(unwrapped) ? unwrapped.arguments[0] : undefined;
  const config = argument && unwrapExpression(argument);
  return config && ts.isObjectLiteralExpression(config) ? config : undefined;
}

/** A Standard Schema's input type: `NonNullable<S['~standard']['types']>['input']`. */
function schemaInputType(node: ts.Node, checker: ts.TypeChecker): ts.Type | undefined {
  const property = (type: ts.Type | undefined, name: string) => {
    const symbol = type && checker.getNonNullableType(type).getProperty(name);
    return symbol && checker.getTypeOfSymbolAtLocation(symbol, node);
  };
  return property(
    property(property(checker.getTypeAtLocation(node), '~standard'), 'types'),
    'input',
  );
}

/** `run`'s return type, awaited. */
function runReturnType(
  config: ts.ObjectLiteralExpression | undefined,
  checker: ts.TypeChecker,
): ts.Type | undefined {
  const member = config?.properties.find(
    (property) =>
      property.name !== undefined &&
      (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) &&
      property.name.text === 'run',
  );
  if (!member) return undefined;
  let signature: ts.Signature | undefined;
  if (ts.isMethodDeclaration(member)) signature = checker.getSignatureFromDeclaration(member);
  else {
    const value = ts.isPropertyAssignment(member)
      ? member.initializer
      : ts.isShorthandPropertyAssignment(member)
        ? member.name
        : member;
    signature = checker.getTypeAtLocation(value).getCallSignatures()[0];
  }
  if (!signature) return undefined;
  const returned = checker.getReturnTypeOfSignature(signature);
  return checker.getAwaitedType(returned) ?? returned;
}

/** What the type checker found about one task, as diagnostics. */
export function typeDiagnostics(task: TaskEntry, types: TaskTypes, file: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  const quoted = JSON.stringify(task.name);
  if (types.input) {
    const { path: where, what, becomes, fix } = types.input;
    found.push({
      code: 'NOT_JSON_INPUT',
      file,
      ...task.at.input,
      message: `the input schema of task ${quoted} accepts a value that cannot cross JSON (jobs travel as JSON): ${where} is ${what}, ${becomes}.`,
      fix,
    });
  }
  if (types.result) {
    const { path: where, what, becomes, fix } = types.result;
    const [whose, at] = task.output
      ? ['the output schema of task', task.at.output]
      : ['run of task', task.at.run];
    found.push({
      code: 'NOT_JSON_RESULT',
      file,
      ...(at ?? { line: task.line, column: task.column }),
      message: `${whose} ${quoted} ${task.output ? 'reads' : 'returns'} a result that cannot cross JSON (results are stored as JSON): ${where} is ${what}, ${becomes}.`,
      fix,
    });
  }
  if (types.resultType instanceof NotPortableType) {
    found.push({
      code: 'RESULT_TYPE_NOT_PORTABLE',
      file,
      line: task.line,
      column: task.column,
      message: `the result type of task ${quoted} (what run returns) cannot be written into the generated client: ${types.resultType.message}.`,
      fix: 'Declare the result with an output schema, e.g. `output: z.object({ sent: z.boolean() })`.',
    });
  }
  return found;
}
