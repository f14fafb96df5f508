import { describe, expect, it } from 'vitest';
import {
  encodeMergeCursor,
  encodeScanCursor,
  type MergeCursor,
  parseMergeCursor,
} from '../src/driver/index.js';

const stored = ['q~0of4', 'q~1of4', 'q~2of4', 'q~3of4'];
const text = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('encodeMergeCursor and parseMergeCursor', () => {
  it('read back each form of entry', () => {
    const cursor: MergeCursor = {
      queues: [
        { queue: 'q~0of4', shown: 3, from: { cursor: 'w5:5:abc', at: 1 } },
        { queue: 'q~1of4', shown: 0 },
        { queue: 'q~3of4', shown: 4 },
      ],
    };
    // The stored queues in any order: both sides sort them.
    const written = encodeMergeCursor(cursor, [...stored].reverse());
    expect(parseMergeCursor(written, stored)).toEqual(cursor);
    // Queues are named by their place, not their name.
    expect(Buffer.from(written, 'base64url').toString('utf8')).not.toContain('q~');
  });

  it("keeps a queue of 256 partitions' cursor short, dropping the cursors of the fewest shown first", () => {
    const many = Array.from({ length: 256 }, (_, p) => `emails~${p}of256`);
    const cursor: MergeCursor = {
      queues: many.map((queue, p) => ({
        queue,
        shown: 20 + p,
        from: { cursor: `x9:1796490845848:P86BdfKuUD89G0f1w${p}`, at: 10 + p },
      })),
    };
    const written = encodeMergeCursor(cursor, many);
    expect(written.length).toBeLessThanOrEqual(4_000);
    const read = parseMergeCursor(written, many);
    // Every queue keeps its count; the ones with the most shown keep their cursors.
    expect(read?.queues.map((entry) => entry.shown)).toEqual(cursor.queues.map((e) => e.shown));
    expect(read?.queues.at(-1)?.from).toEqual(cursor.queues.at(-1)?.from);
    expect(read?.queues[0]?.from).toBeUndefined();
    // Without the bound, all of it.
    expect(parseMergeCursor(encodeMergeCursor(cursor, many, 1e9), many)).toEqual(cursor);
  });

  it.each([
    ['not base64 JSON', 'nope'],
    ["a scan cursor (the dashboard's searches)", encodeScanCursor({ queue: 'q~0of4', inner: 'x' })],
    ['one written for other stored queues', text({ n: 5, m: [0] })],
    ['a place past the stored queues', text({ n: 4, m: [4] })],
    ['a negative count', text({ n: 4, m: [[1, -1]] })],
    ['a cursor that is not text', text({ n: 4, m: [[1, 3, 7, 1]] })],
    ['a cursor past the jobs shown', text({ n: 4, m: [[1, 3, 'c', 4]] })],
    ['an entry of three', text({ n: 4, m: [[1, 3, 'c']] })],
  ])('refuses %s', (_what, written) => {
    expect(parseMergeCursor(written, stored)).toBeUndefined();
  });

  it('refuses to write a queue that is not among the stored ones', () => {
    expect(() => encodeMergeCursor({ queues: [{ queue: 'other', shown: 0 }] }, stored)).toThrow(
      'outside the stored queues',
    );
  });
});
