import { describe, expect, it } from 'vitest';
import {
  countJobs,
  type FinalRecord,
  indexLedger,
  unexplainedDuplicates,
} from '../src/analysis.js';
import { type LedgerEntry, parseLine } from '../src/ledger.js';

const ledger = (text: string): LedgerEntry[] =>
  text
    .trim()
    .split('\n')
    .map((line) => parseLine(line))
    .filter((e): e is LedgerEntry => e !== undefined);

const completed: FinalRecord = { state: 'completed', attempts: 1 };

describe('countJobs', () => {
  it('counts a job acknowledged but never done as lost, with its Redis state', () => {
    const index = indexLedger(
      ledger(`
enq 1 q:a 0
enq 2 q:b 1
start 3 q:a 10 1 0
done 4 q:a 10 1`),
    );
    const counts = countJobs(index, {
      records: new Map([
        ['q:a', completed],
        ['q:b', { state: 'waiting', attempts: 0 }],
      ]),
    });
    expect(counts).toMatchObject({
      acked: 2,
      lost: 1,
      lostIds: ['q:b'],
      lostStates: { waiting: 1 },
    });
    expect(counts.duplicated).toBe(0);
  });

  it('counts reruns as duplicated and second completions separately', () => {
    const index = indexLedger(
      ledger(`
enq 1 q:a 0
start 2 q:a 10 1 0
done 3 q:a 10 1
start 4 q:a 11 2 0
done 5 q:a 11 2`),
    );
    const counts = countJobs(index, { records: new Map([['q:a', completed]]) });
    expect(counts).toMatchObject({ duplicated: 1, completedTwice: 1, lost: 0 });
  });

  it('tells a failed enqueue that ran anyway from a job nobody enqueued', () => {
    const index = indexLedger(
      ledger(`
enqfail 1 5 TRANSPORT_ERROR
start 2 q:x 10 1 5
start 3 q:y 10 1 6`),
    );
    const counts = countJobs(index, { records: new Map() });
    expect(counts).toMatchObject({ unackedRan: 1, unexpected: 1, unexpectedIds: ['q:y'] });
  });

  it('flags a job that ran but holds another final state in Redis', () => {
    const index = indexLedger(ledger('enq 1 q:a 0\nstart 2 q:a 10 1 0\ndone 3 q:a 10 1'));
    const counts = countJobs(index, {
      records: new Map([['q:a', { state: 'dead', attempts: 1 } satisfies FinalRecord]]),
    });
    expect(counts).toMatchObject({ lost: 0, unexpected: 1 });
  });

  it('judges a job expected dead by its Redis state', () => {
    const index = indexLedger(ledger('enq 1 q:p 0\nstart 2 q:p 10 1 0'));
    const expected = () => 'dead' as const;
    expect(
      countJobs(index, { expected, records: new Map([['q:p', { state: 'dead', attempts: 3 }]]) })
        .lost,
    ).toBe(0);
    expect(
      countJobs(index, { expected, records: new Map([['q:p', { state: 'waiting', attempts: 3 }]]) })
        .lost,
    ).toBe(1);
  });
});

describe('unexplainedDuplicates', () => {
  const index = indexLedger(
    ledger(`
enq 1 q:a 0
start 2 q:a 10 1 0
start 9 q:a 11 2 0
enq 1 q:b 1
start 2 q:b 12 1 1
start 9 q:b 11 2 1
enq 1 q:c 2
start 2 q:c 13 1 2
stale 8 q:c 13
start 9 q:c 11 2 2`),
  );

  it('accepts a rerun after its earlier run was cut short by a fault or a stale ack', () => {
    expect(unexplainedDuplicates(index, new Map([[10, 5]]))).toEqual(['q:b']);
  });

  it('does not accept a rerun when the fault came before that run started', () => {
    expect(unexplainedDuplicates(index, new Map([[10, 1]]))).toEqual(['q:a', 'q:b']);
  });
});
