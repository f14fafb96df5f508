import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ValidationError } from './errors.js';
import { revived } from './json-boundary.js';
import { validateNow } from './schema.js';
import type { AnyTaskContract } from './task.js';

/**
 * How a task's result crosses JSON when the task has an output schema. Like a job's
 * input, it crosses in the schema's input form: the worker stores what `run` returned
 * (zod's `encode` of the validated value where the schema has one, so that unknown keys
 * are stripped as validation strips them), and a reader decodes it with the same schema.
 * A task without an output schema stores what `run` returned, and readers get its JSON
 * form as it is (typed `Jsonify<…>`).
 */

/** What the worker stores: the result's input form, ready for JSON. */
export function storedResult(
  output: StandardSchemaV1 | undefined,
  returned: unknown,
  validated: unknown,
): unknown {
  if (output === undefined) return returned;
  const encode = (output as { encode?: (value: unknown) => unknown }).encode;
  if (typeof encode !== 'function') return returned;
  try {
    return encode.call(output, validated);
  } catch {
    // A one-way transform cannot encode; what `run` returned passed the schema already.
    return returned;
  }
}

/** Turns a stored result into what `handle.result()` resolves to. */
export type ResultDecoder = (stored: unknown) => unknown;

/** Per task, not per schema: two tasks may share an output schema, and errors name the task. */
const decoders = new WeakMap<AnyTaskContract, ResultDecoder>();

/**
 * The decoder for a task's results, or undefined when it has no output schema (then a
 * stored result is already what the reader gets). A stored result the schema refuses
 * (the worker ran an older or newer task) rejects with `VALIDATION_FAILED`.
 */
export function resultDecoder(task: AnyTaskContract): ResultDecoder | undefined {
  const { output } = task;
  if (output === undefined) return undefined;
  let decoder = decoders.get(task);
  if (decoder === undefined) {
    decoder = async (stored) => {
      const outcome = await validateNow(output, revived(output, stored));
      if (outcome.ok) return outcome.value;
      throw new ValidationError(task.name, 'output', outcome.issues, { afterJson: true });
    };
    decoders.set(task, decoder);
  }
  return decoder;
}
