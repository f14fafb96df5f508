import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Client } from '../src/client.js';
import type { TaskContext } from '../src/context.js';
import type { JobHandle } from '../src/job-handle.js';
import {
  type AnyTaskContract,
  defineTask,
  type TaskDefinition,
  type TaskInput,
  taskContract,
} from '../src/task.js';
import { defineWorkflow } from '../src/workflow/define-workflow.js';

declare const client: Client;

/**
 * Helpers generic in their schema. The JSON check of defineTask cannot be decided over a type
 * parameter, and it once required its `'~json'` branch there: none of these compiled. The
 * check passes undecided (the producer still checks at run time); a concrete schema is held
 * to it as before (json-boundary.test-d.ts).
 */
function crudTask<S extends z.ZodType>(
  name: string,
  input: S,
  run: (i: z.infer<S>) => Promise<void>,
) {
  return defineTask({ name, input, run });
}

function decodedTask<S extends StandardSchemaV1, O extends StandardSchemaV1>(
  name: string,
  input: S,
  output: O,
  run: (i: StandardSchemaV1.InferOutput<S>) => Promise<StandardSchemaV1.InferInput<O>>,
) {
  return defineTask({ name, input, output, run });
}

function fetchTask<R>(name: string, fetch: (url: string) => Promise<R>) {
  return defineTask({ name, input: z.object({ url: z.string() }), run: ({ url }) => fetch(url) });
}

function contractOf<S extends StandardSchemaV1>(name: string, input: S) {
  return taskContract({ name, input });
}

function oneStepWorkflow<S extends StandardSchemaV1>(name: string, input: S) {
  const step = defineTask({ name: `${name}.step`, input: z.unknown(), run: () => 1 });
  return defineWorkflow({ name, input, steps: (flow) => flow.step('only', step) });
}

describe('a helper generic in its schema', () => {
  it('compiles around defineTask, taskContract and defineWorkflow', () => {
    expectTypeOf(crudTask).returns.toExtend<TaskDefinition<string>>();
    expectTypeOf(decodedTask).returns.toExtend<TaskDefinition<string>>();
    expectTypeOf(fetchTask).returns.toExtend<TaskDefinition<string>>();
    expectTypeOf(contractOf).returns.toHaveProperty('input');
    expectTypeOf(oneStepWorkflow).returns.toHaveProperty('stages');
  });

  it("types the task from the caller's schema", async () => {
    const saveUser = crudTask('users.save', z.object({ id: z.string() }), async (user) => {
      expectTypeOf(user).toEqualTypeOf<{ id: string }>();
    });
    expectTypeOf<TaskInput<typeof saveUser>>().toEqualTypeOf<{ id: string }>();
    client.enqueue(saveUser, { id: 'u-1' });
    // @ts-expect-error id is a string
    client.enqueue(saveUser, { id: 1 });

    const onboard = oneStepWorkflow('users.onboard', z.object({ id: z.string() }));
    void client.workflows.start(onboard, { id: 'u-1' });
    // @ts-expect-error id is a string
    void client.workflows.start(onboard, { id: 1 });

    const page = fetchTask('pages.fetch', async (url) => ({ url, at: new Date() }));
    const handle = await client.enqueue(page, { url: 'https://example.com' });
    expectTypeOf(handle).toEqualTypeOf<JobHandle<{ url: string; at: string }>>();
  });

  it('still gives run the task context', () => {
    function withContext<S extends z.ZodType>(name: string, input: S) {
      return defineTask({
        name,
        input,
        run: (_input, ctx) => {
          expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
        },
      });
    }
    expectTypeOf(withContext).returns.toExtend<TaskDefinition<string>>();
  });
});

describe('TaskInput of a task of any schema', () => {
  it('is unknown, not any', () => {
    expectTypeOf<TaskInput<AnyTaskContract>>().toEqualTypeOf<unknown>();
  });

  it('cannot be handed to a typed task unchecked', () => {
    const sendEmail = defineTask({
      name: 'shop.sendEmail',
      input: z.object({ email: z.string() }),
      run: () => null,
    });
    function resend(input: TaskInput<AnyTaskContract>) {
      // @ts-expect-error an input of any task may not be this task's: it was any, and passed
      void client.enqueue(sendEmail, input);
    }
    void resend;
  });
});
