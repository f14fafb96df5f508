// `readChildResults`: a map step's children's stored results, read a chunk of 1,000 at a time
// side by side, as `handle.result()` and the CLI's `workflows show` read them. From
// `@conveyor/core/transport`, where the CLI takes it. And `readStageResults` (from
// `@conveyor/core/worker`) of a map stage: how many children it reads.

import { readChildResults } from '@conveyor/core/transport';
import { readStageResults } from '@conveyor/core/worker';
import { describe, expect, it, vi } from 'vitest';
import type { JsonValue } from '../../src/json.js';
import type {
  TransportWorkflows,
  WorkflowRecord,
  WorkflowStepRecord,
} from '../../src/transport-workflows.js';

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

describe('readStageResults of a map stage', () => {
  const stage = { kind: 'map', steps: [{ name: 'charge' }] } as const;
  /** A record with the map step `charge`: its own count, or its children listed after it. */
  function recordWith(steps: WorkflowStepRecord[]): WorkflowRecord {
    return { id: 'wf-4', steps } as unknown as WorkflowRecord;
  }
  const mapStep: WorkflowStepRecord = { step: 'charge', state: 'completed', retries: 0 };
  const child = (n: number): WorkflowStepRecord => ({ ...mapStep, child: n });

  it("reads as many children as the map step's record counts, without reading the record again", async () => {
    const { workflows, asked } = store(5);
    const get = vi.fn();
    const read = await readStageResults(
      { ...workflows, get } as unknown as TransportWorkflows,
      recordWith([{ ...mapStep, children: 3 }]),
      stage,
      () => undefined,
    );
    expect(read).toEqual([0, 10, 20]);
    expect(asked).toEqual([['wf-4/charge', { from: 0, count: 3 }]]);
    expect(get).not.toHaveBeenCalled();
  });

  it('from a transport whose records carry no count: counts the children listed, or reads them in full when they were left out', async () => {
    const { workflows, asked } = store(5);
    const full = recordWith([mapStep, child(0), child(1), child(2), child(3)]);
    const get = vi.fn(async () => full);
    const transport = { ...workflows, get } as unknown as TransportWorkflows;

    expect(await readStageResults(transport, full, stage, () => undefined)).toEqual([
      0,
      10,
      20,
      undefined,
    ]);
    expect(get).not.toHaveBeenCalled();

    // Read with `children: false`, and no count: one full read tells how many there are.
    const summary = recordWith([mapStep]);
    expect(await readStageResults(transport, summary, stage, () => undefined)).toHaveLength(4);
    expect(get).toHaveBeenCalledWith('wf-4');
    expect(asked.at(-1)).toEqual(['wf-4/charge', { from: 0, count: 4 }]);
  });

  it("gives undefined for a map step skipped by 'continue', expanded or not, and [] for one that expanded to no items", async () => {
    const { workflows, asked } = store(5);
    const get = vi.fn();
    const transport = { ...workflows, get } as unknown as TransportWorkflows;
    const skipped = { ...mapStep, state: 'skipped' as const };
    for (const steps of [[skipped], [{ ...skipped, children: 2 }, child(0), child(1)]]) {
      expect(await readStageResults(transport, recordWith(steps), stage, () => undefined)).toBe(
        undefined,
      );
    }
    expect(asked).toEqual([]);
    const none = recordWith([{ ...mapStep, children: 0 }]);
    expect(await readStageResults(transport, none, stage, () => undefined)).toEqual([]);
    expect(get).not.toHaveBeenCalled();
  });
});
