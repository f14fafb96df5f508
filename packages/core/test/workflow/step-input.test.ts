import { describe, expect, it } from 'vitest';
import { InvalidOptionError, NotJsonError } from '../../src/errors.js';
import { defineWorkflow } from '../../src/workflow/define-workflow.js';
import {
  findWorkflowStep,
  mapItems,
  runStepInput,
  stageOutput,
  stepFailure,
} from '../../src/workflow/step-input.js';
import { chargeLine, OrderInput, placeOrder, updateInventory } from './fixtures.js';

/**
 * docs/workflows.md §1 and §3: the hand-offs a worker computes from stored results, with
 * the workflow's own mappings.
 */

const order = {
  orderId: 'o-1',
  items: [
    { sku: 'a', quantity: 2 },
    { sku: 'b', quantity: 1 },
  ],
};

describe('runStepInput', () => {
  it('gives the first stage the workflow input as previous, whatever is passed', () => {
    expect(runStepInput(placeOrder, 'reserve', 'ignored', order)).toEqual(order);
    const direct = defineWorkflow({
      name: 't.direct',
      input: OrderInput,
      steps: (flow) => flow.step('reserve', updateInventory),
    });
    expect(runStepInput(direct, 'reserve', undefined, order)).toBe(order);
  });

  it('applies a mapping to what flows in and the workflow input', () => {
    const reserved = { reserved: true, at: '2026-12-02T07:00:00.000Z' };
    expect(runStepInput(placeOrder, 'ship', reserved, order)).toEqual({ orderId: 'o-1' });
    expect(runStepInput(placeOrder, 'confirm', reserved, order)).toEqual({ orderId: 'o-1' });
    expect(runStepInput(placeOrder, 'fulfil', [{ cents: 100 }, { cents: 250 }], order)).toEqual({
      orderId: 'o-1',
      shipmentId: 'paid-350',
    });
  });

  it('passes what flows in through, for a later step without a mapping', () => {
    const wf = defineWorkflow({
      name: 't.pass',
      input: OrderInput,
      steps: (flow) =>
        flow
          .step('first', chargeLine, { input: (o) => o.items[0] ?? { sku: 'none', quantity: 0 } })
          .step('again', chargeLine, { input: () => ({ sku: 'x', quantity: 1 }) }),
    });
    const previous = { sku: 'z', quantity: 9 };
    expect(runStepInput(wf, 'first', 'ignored', order)).toEqual({ sku: 'a', quantity: 2 });
    expect(runStepInput(wf, 'again', previous, order)).toEqual({ sku: 'x', quantity: 1 });
  });

  it('gives a compensation the failure, through its mapping or as it is', () => {
    const failure = stepFailure('reserve', { message: 'Only 1 left of a', code: 'NON_RETRYABLE' });
    expect(failure).toEqual({
      step: 'reserve',
      message: 'Only 1 left of a',
      code: 'NON_RETRYABLE',
    });
    expect(runStepInput(placeOrder, 'reject', failure, order)).toEqual({
      orderId: 'o-1',
      reason: 'Only 1 left of a',
    });
    expect(runStepInput(placeOrder, 'log', failure, order)).toBe(failure);
    expect(stepFailure('x', { message: 'm' })).toEqual({ step: 'x', message: 'm' });
    expect('code' in stepFailure('x', { message: 'm', code: undefined })).toBe(false);
  });

  it('refuses a map step and an unknown step, naming the known ones', () => {
    expect(() => runStepInput(placeOrder, 'charge', [], order)).toThrow(
      'a map child takes its item from mapItems(…)',
    );
    const error = (() => {
      try {
        runStepInput(placeOrder, 'shipp', undefined, order);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toBe(
      'Invalid step of workflow "shop.placeOrder" "shipp": expected one of its steps (reserve, ship, confirm, charge, fulfil, reject, log); the workflow\'s definition may have changed since the run started.',
    );
  });
});

describe('mapItems', () => {
  it("returns the map's items for what flows in, in order", () => {
    expect(mapItems(placeOrder, 'charge', { ship: {}, confirm: undefined }, order)).toEqual(
      order.items,
    );
  });

  it('gives a first-stage map the workflow input as previous', () => {
    const wf = defineWorkflow({
      name: 't.fan-out',
      input: OrderInput,
      steps: (flow) =>
        flow.map('charge', chargeLine, {
          items: (previous, input) => [...previous.items, ...input.items].reverse(),
        }),
    });
    expect(mapItems(wf, 'charge', 'ignored', order)).toEqual([
      order.items[1],
      order.items[0],
      order.items[1],
      order.items[0],
    ]);
  });

  it('refuses a step that is not a map, and items that return no array', () => {
    expect(() => mapItems(placeOrder, 'fulfil', undefined, order)).toThrow(
      'Invalid map step of workflow "shop.placeOrder" "fulfil": expected the name of a .map() step.',
    );
    const wf = defineWorkflow({
      name: 't.bad-items',
      input: OrderInput,
      steps: (flow) => flow.map('charge', chargeLine, { items: () => 'nope' as never }),
    });
    expect(() => mapItems(wf, 'charge', undefined, order)).toThrow(
      'Invalid items of map step "charge" of workflow "t.bad-items" "nope": expected an array: one task input per child job.',
    );
  });

  it('checks the items as job inputs are checked: NOT_JSON with the path; an undefined property passes', () => {
    const wf = defineWorkflow({
      name: 't.non-json-items',
      input: OrderInput,
      steps: (flow) =>
        flow.map('charge', chargeLine, { items: (_, input) => input.items as never }),
    });
    const items = (list: unknown[]) => mapItems(wf, 'charge', undefined, { items: list });
    const error = (() => {
      try {
        items([{ a: 1 }, { b: 10n }, { c: undefined }]);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(NotJsonError);
    expect(error).toMatchObject({ code: 'NOT_JSON', path: 'items[1].b' });
    expect((error as Error).message).toBe(
      'Map step "charge" of workflow "t.non-json-items": items[1].b is not JSON-serializable (10n): JSON has no bigint; send it as a string. Its items mapping must return JSON task inputs, one per child job.',
    );
    expect(() => items([1, undefined])).toThrow('items[1] is not JSON-serializable (undefined)');
    // As enqueue takes a job input: the property is left out of the JSON the child gets.
    expect(items([{ a: 1 }, { c: undefined }])).toEqual([{ a: 1 }, { c: undefined }]);
  });
});

describe('stageOutput', () => {
  it("hands on a step's result as it is", () => {
    const result = { reserved: true };
    expect(stageOutput(placeOrder, 0, result)).toBe(result);
    expect(stageOutput(placeOrder, 0, undefined)).toBeUndefined();
  });

  it("hands on a group's results as a record by step name, in declared order", () => {
    const output = stageOutput(placeOrder, 1, {
      confirm: undefined,
      ship: { shipmentId: 's-1' },
      stray: 1,
    });
    expect(output).toEqual({ ship: { shipmentId: 's-1' }, confirm: undefined });
    expect(Object.keys(output as object)).toEqual(['ship', 'confirm']);
    expect(() => stageOutput(placeOrder, 1, [1])).toThrow("a record of the group's results");
  });

  it("hands on a map's children's results as an array, in item order", () => {
    const children = [{ cents: 1 }, undefined, { cents: 3 }];
    expect(stageOutput(placeOrder, 2, children)).toBe(children);
    expect(() => stageOutput(placeOrder, 2, { 0: 1 })).toThrow(
      "an array of the map's children's results",
    );
  });

  it("hands on undefined for a map step skipped by 'continue', and only for one that may continue", () => {
    const soft = defineWorkflow({
      name: 't.softMap',
      input: OrderInput,
      steps: (flow) =>
        flow.map('charge', chargeLine, { items: (o) => o.items, onFailure: 'continue' }),
    });
    expect(stageOutput(soft, 0, undefined)).toBeUndefined();
    expect(() => stageOutput(placeOrder, 2, undefined)).toThrow(
      "an array of the map's children's results",
    );
  });

  it('refuses a stage index out of range', () => {
    expect(() => stageOutput(placeOrder, 4, null)).toThrow('expected an index from 0 to 3');
  });
});

describe('findWorkflowStep', () => {
  it('finds a step in its stage, or among the compensations', () => {
    expect(findWorkflowStep(placeOrder, 'confirm')).toMatchObject({
      kind: 'stage',
      stageIndex: 1,
      stage: { kind: 'parallel' },
      step: { name: 'confirm', onFailure: 'continue' },
    });
    expect(findWorkflowStep(placeOrder, 'reject')).toMatchObject({
      kind: 'compensation',
      step: { name: 'reject' },
    });
  });
});
