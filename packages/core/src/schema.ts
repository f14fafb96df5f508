import type { StandardSchemaV1 } from '@standard-schema/spec';

/** Any Standard Schema (zod 4, valibot, arktype, …). Conveyor's own examples use zod. */
export type Schema<TInput = unknown, TOutput = TInput> = StandardSchemaV1<TInput, TOutput>;

/** What a producer passes: the schema's input type. */
export type InferSchemaInput<S extends StandardSchemaV1> = StandardSchemaV1.InferInput<S>;
/** What `run` receives: the schema's output type (after defaults and transforms). */
export type InferSchemaOutput<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

export type ValidationOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; issues: readonly StandardSchemaV1.Issue[] };

/** True when `value` looks like a Standard Schema. */
export function isSchema(value: unknown): value is StandardSchemaV1 {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { '~standard'?: { validate?: unknown } })['~standard']?.validate === 'function'
  );
}

/** Validates with any Standard Schema; handles schemas that validate asynchronously. */
export async function validateWith<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): Promise<ValidationOutcome<InferSchemaOutput<S>>> {
  return validateNow(schema, value);
}

/**
 * Like {@link validateWith}, but a schema that validates synchronously (most do) gets
 * its outcome back directly, without a promise: the worker validates every job.
 */
export function validateNow<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): ValidationOutcome<InferSchemaOutput<S>> | Promise<ValidationOutcome<InferSchemaOutput<S>>> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) return result.then(toOutcome<S>);
  return toOutcome<S>(result);
}

function toOutcome<S extends StandardSchemaV1>(
  result: StandardSchemaV1.Result<unknown>,
): ValidationOutcome<InferSchemaOutput<S>> {
  if (result.issues) return { ok: false, issues: result.issues };
  return { ok: true, value: result.value as InferSchemaOutput<S> };
}
