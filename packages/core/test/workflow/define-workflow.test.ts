import { describe, expect, it } from 'vitest';
import { bindTask, InvalidOptionError, isWorkflow, taskContract } from '../../src/index.js';
import { defineWorkflow } from '../../src/workflow/define-workflow.js';
import {
  chargeLine,
  logFailure,
  notifyWarehouse,
  OrderInput,
  placeOrder,
  rejectOrder,
  updateInventory,
} from './fixtures.js';

/** docs/workflows.md §1: what defineWorkflow checks at definition, and what it returns. */

// biome-ignore lint/suspicious/noExplicitAny: these tests pass what the types refuse.
type AnySteps = (flow: any) => unknown;

function define(steps: AnySteps, name = 'shop.test'): unknown {
  return defineWorkflow({ name, input: OrderInput, steps } as never);
}

function refusal(attempt: () => unknown): InvalidOptionError {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).code).toBe('INVALID_OPTION');
    return error as InvalidOptionError;
  }
  throw new Error('expected the definition to be refused');
}

describe('defineWorkflow', () => {
  it('returns a frozen definition with kind "workflow", its stages in order', () => {
    expect(placeOrder.kind).toBe('workflow');
    expect(placeOrder.name).toBe('shop.placeOrder');
    expect(placeOrder.input).toBe(OrderInput);
    expect(placeOrder.stages.map((stage) => stage.kind)).toEqual([
      'step',
      'parallel',
      'map',
      'step',
    ]);
    expect(placeOrder.stages.map((stage) => stage.steps.map((step) => step.name))).toEqual([
      ['reserve'],
      ['ship', 'confirm'],
      ['charge'],
      ['fulfil'],
    ]);
    expect(placeOrder.stages[0]?.steps[0]).toMatchObject({
      task: updateInventory,
      onFailure: { compensate: 'reject' },
    });
    expect(placeOrder.stages[1]?.steps.map((step) => step.onFailure)).toEqual(['fail', 'continue']);
    expect(placeOrder.compensations.map((step) => [step.name, step.task, step.onFailure])).toEqual([
      ['reject', rejectOrder, 'fail'],
      ['log', logFailure, 'fail'],
    ]);
    expect(placeOrder.compensations[1]?.input).toBeUndefined();
    expect(Object.isFrozen(placeOrder)).toBe(true);
    expect(Object.isFrozen(placeOrder.stages)).toBe(true);
    expect(Object.isFrozen(placeOrder.stages[1]?.steps)).toBe(true);
    expect(Object.isFrozen(placeOrder.stages[0]?.steps[0]?.onFailure)).toBe(true);
  });

  it('is recognised by isWorkflow, and tasks and schedules are not', () => {
    expect(isWorkflow(placeOrder)).toBe(true);
    expect(isWorkflow(updateInventory)).toBe(false);
    expect(isWorkflow({ kind: 'schedule', id: 'x' })).toBe(false);
    expect(isWorkflow({ kind: 'workflow', name: 'x' })).toBe(false);
    expect(isWorkflow(null)).toBe(false);
  });

  it('does not change a flow when it is built on: each call returns a new one', () => {
    const wf = defineWorkflow({
      name: 't.branching',
      input: OrderInput,
      steps: (flow) => {
        const reserved = flow.step('reserve', updateInventory);
        reserved.step('other', chargeLine, { input: () => ({ sku: 'a', quantity: 1 }) });
        return reserved;
      },
    });
    expect(wf.stages).toHaveLength(1);
  });

  it('accepts codegen contracts as tasks', () => {
    const contract = taskContract({ name: 'shop.notifyWarehouse', input: notifyWarehouse.input });
    const wf = define((flow) => flow.step('ship', contract, { input: () => ({ orderId: '1' }) }));
    expect((wf as typeof placeOrder).stages[0]?.steps[0]?.task).toBe(contract);
  });
});

describe('defineWorkflow refuses, saying what to do', () => {
  it('a name that breaks the task name rule', () => {
    const error = refusal(() => define((flow) => flow.step('a', updateInventory), 'bad name!'));
    expect(error.message).toBe(
      'Invalid workflow name "bad name!": expected 1–128 characters from A–Z, a–z, 0–9, "_", ".", ":", "/" and "-".',
    );
    refusal(() => define((flow) => flow.step('a', updateInventory), 'x'.repeat(129)));
  });

  it('an input that is no schema, and steps that are no function or return no flow', () => {
    expect(
      refusal(() =>
        defineWorkflow({
          name: 't.a',
          input: { orderId: 'string' },
          steps: (f: unknown) => f,
        } as never),
      ).message,
    ).toContain(
      'input schema of workflow "t.a" "object": expected a zod (or other Standard Schema) schema',
    );
    expect(
      refusal(() => defineWorkflow({ name: 't.b', input: OrderInput } as never)).message,
    ).toContain('Invalid steps of workflow "t.b" (missing): expected a function');
    expect(refusal(() => define(() => undefined)).message).toContain(
      'a function returning the flow it built',
    );
    expect(refusal(() => define(() => ({ step: () => null }))).message).toContain(
      '"a function returning no flow"',
    );
  });

  it('a flow with no stage', () => {
    expect(refusal(() => define((flow) => flow)).message).toBe(
      'Invalid steps of workflow "shop.test" "no stages": expected at least one .step(), .parallel() or .map() before any .compensation().',
    );
    expect(refusal(() => define((flow) => flow.compensation('log', logFailure))).message).toContain(
      'no stages',
    );
  });

  it('step names that break the rule or repeat', () => {
    for (const name of ['', 'has space', 'dot.ted', 'x'.repeat(65), 7]) {
      expect(refusal(() => define((flow) => flow.step(name, updateInventory))).message).toContain(
        'expected 1–64 characters from A–Z, a–z, 0–9, "_" and "-"',
      );
    }
    expect(define((flow) => flow.step('A-z_0'.padEnd(64, 'x'), updateInventory))).toBeTruthy();
    const repeated = refusal(() =>
      define((flow) =>
        flow.step('reserve', updateInventory).parallel({ reserve: { task: notifyWarehouse } }),
      ),
    );
    expect(repeated.message).toBe(
      'Invalid step name of workflow "shop.test" "reserve": expected a name no other step or compensation of the workflow has.',
    );
    expect(
      refusal(() =>
        define((flow) => flow.step('log', updateInventory).compensation('log', logFailure)),
      ).message,
    ).toContain('Invalid compensation name of workflow "shop.test" "log"');
  });

  it('tasks that are not tasks', () => {
    expect(refusal(() => define((flow) => flow.step('a', 'shop.updateInventory'))).message).toBe(
      'Invalid task of step "a" of workflow "shop.test" "shop.updateInventory": expected a task from defineTask or a contract from taskContract or codegen.',
    );
    expect(
      refusal(() => define((flow) => flow.step('a', { name: 'shop.x', input: {} }))).message,
    ).toContain('"task shop.x"');
    const stub = bindTask(() => {
      throw new Error('not called');
    }, updateInventory);
    expect(refusal(() => define((flow) => flow.step('a', stub))).message).toContain(
      `"stub of ${updateInventory.name}": expected a task or a task contract, not a stub bound to a client: pass the stub's .contract`,
    );
    expect(
      refusal(() => define((flow) => flow.parallel({ a: { task: undefined } }))).message,
    ).toContain('Invalid task of step "a"');
    expect(
      refusal(() => define((flow) => flow.step('a', updateInventory).compensation('c', {})))
        .message,
    ).toContain('Invalid task of compensation "c"');
  });

  it('mappings and items that are not functions, and unknown options', () => {
    expect(
      refusal(() => define((flow) => flow.step('a', updateInventory, { input: { orderId: '1' } })))
        .message,
    ).toContain(
      'Invalid input of step "a" of workflow "shop.test" {"orderId":"1"}: expected a function',
    );
    expect(
      refusal(() => define((flow) => flow.map('m', chargeLine, { items: [1, 2] }))).message,
    ).toBe(
      'Invalid items of map step "m" of workflow "shop.test" [1,2]: expected a function (previous, input) => the task inputs, one per child job.',
    );
    expect(refusal(() => define((flow) => flow.map('m', chargeLine))).message).toContain(
      'expected an object { items, onFailure }',
    );
    expect(
      refusal(() => define((flow) => flow.step('a', updateInventory, { inptu: () => null })))
        .message,
    ).toBe(
      'Invalid options of step "a" of workflow "shop.test" "unknown option inptu": expected an object { input, onFailure } (did you mean "input"?).',
    );
    // Nothing near: no guess.
    expect(
      refusal(() => define((flow) => flow.step('a', updateInventory, { retries: 3 }))).message,
    ).toMatch(/expected an object \{ input, onFailure \}\.$/);
    expect(
      refusal(() =>
        define((flow) =>
          flow.step('a', updateInventory).compensation('c', logFailure, { onFailure: 'continue' }),
        ),
      ).message,
    ).toContain('"unknown option onFailure": expected an object { input }');
  });

  it('groups that are empty or not objects', () => {
    expect(refusal(() => define((flow) => flow.parallel({}))).message).toBe(
      'Invalid parallel group of workflow "shop.test" {}: expected at least one step: { ship: { task, input }, … }.',
    );
    expect(refusal(() => define((flow) => flow.parallel([notifyWarehouse]))).message).toContain(
      'expected an object of steps by name',
    );
  });

  it('failure policies that are not one of the three', () => {
    for (const onFailure of ['retry', { compensate: 'x', also: 1 }, { compensate: '' }, null]) {
      expect(
        refusal(() => define((flow) => flow.step('a', updateInventory, { onFailure }))).message,
      ).toContain("expected 'fail', 'continue' or { compensate: '<compensation name>' }");
    }
  });

  it('a compensation that is not declared, or is a stage', () => {
    expect(
      refusal(() =>
        define((flow) =>
          flow
            .step('a', updateInventory, { onFailure: { compensate: 'rejct' } })
            .compensation('reject', rejectOrder, { input: () => ({ orderId: '1', reason: 'r' }) }),
        ),
      ).message,
    ).toBe(
      'Invalid onFailure of step "a" of workflow "shop.test" {"compensate":"rejct"}: expected the name of a compensation declared with .compensation(name, task, { input }) (one of reject).',
    );
    expect(
      refusal(() =>
        define((flow) =>
          flow
            .step('a', updateInventory)
            .parallel({ b: { task: notifyWarehouse, onFailure: { compensate: 'a' } } }),
        ),
      ).message,
    ).toContain('expected a compensation: "a" is a stage; declare the compensation');
    expect(
      refusal(() =>
        define((flow) =>
          flow.map('m', chargeLine, { items: () => [], onFailure: { compensate: 'x' } }),
        ),
      ).message,
    ).toContain('(none declared)');
  });
});
