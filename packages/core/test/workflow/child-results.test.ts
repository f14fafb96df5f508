// `readChildResults`: a map step's children's stored results, read a chunk of 1,000 at a time
// side by side, as `handle.result()` and the CLI's `workflows show` read them. From
// `@conveyor/core/transport`, where the CLI takes it.

import { readChildResults } from '@conveyor/core/transport';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/json.js';
import type { TransportWorkflows } from '../../src/transport-workflows.js';

type Range = { from: number; count: number } | undefined;

/** A store answering `results` with `child * 10` for a child below `stored`, and the ranges asked. */
function store(stored: number): { workflows: TransportWorkflows; asked: Array<[string, Range]> } {
  const asked: Array<[string, Range]> = [];
  const results = async (id: string, step: string, range?: Range) => {
    asked.push([`${id}/${step}`, range]);
    const { from, count } = range ?? { from: 0, count: 1 };
    const values: Array<JsonValue | undefined> = [];
    for (let child = from; child < Math.min(from + count, stored); child++) {
      values.push(child % 7 === 3 ? undefined : child * 10);
    }
    return values;
  };
  return { workflows: { results } as unknown as TransportWorkflows, asked };
}

describe('readChildResults', () => {
  it('reads children 0 to count - 1 in chunks of 1,000, in index order', async () => {
    const { workflows, asked } = store(2_500);
    const values = await readChildResults(workflows, 'wf-1', 'charge', 2_500);
    expect(asked).toEqual([
      ['wf-1/charge', { from: 0, count: 1_000 }],
      ['wf-1/charge', { from: 1_000, count: 1_000 }],
      ['wf-1/charge', { from: 2_000, count: 500 }],
    ]);
    expect(values).toHaveLength(2_500);
    expect(values[0]).toBe(0);
    expect(values[3]).toBeUndefined();
    expect(values[999]).toBe(9_990);
    expect(values[1_000]).toBe(10_000);
    expect(values[2_499]).toBe(24_990);
  });

  it('leaves undefined where a chunk came back short, and reads nothing for no children', async () => {
    const { workflows, asked } = store(1_200);
    const values = await readChildResults(workflows, 'wf-2', 'ship', 1_500);
    expect(values).toHaveLength(1_500);
    expect(values[1_199]).toBe(11_990);
    expect(values.slice(1_200).every((value) => value === undefined)).toBe(true);
    expect(asked).toHaveLength(2);

    const none = store(0);
    expect(await readChildResults(none.workflows, 'wf-3', 'ship', 0)).toEqual([]);
    expect(none.asked).toEqual([]);
  });
});
