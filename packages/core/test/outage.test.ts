import { expect, it } from 'vitest';
import { createOutage, outageKind, outageLength } from '../src/outage.js';

it('reports the first failure, a changed error and reminders, then the outage it recovers from', () => {
  const outage = createOutage({ reminderMs: 30_000 });
  expect(outage.recovered(0)).toBeUndefined();
  expect(outage.failed(1_000, 'A')).toEqual({ reason: 'first', failures: 1, failingForMs: 0 });
  expect(outage.ongoing).toBe(true);
  expect(outage.failed(20_000, 'A')).toBeUndefined();
  expect(outage.failed(25_000, 'B')).toEqual({
    reason: 'changed',
    failures: 3,
    failingForMs: 24_000,
  });
  // The reminder counts from the last line said, not from the first failure.
  expect(outage.failed(50_000, 'B')).toBeUndefined();
  expect(outage.failed(55_000, 'B')).toEqual({
    reason: 'reminder',
    failures: 5,
    failingForMs: 54_000,
  });
  expect(outage.recovered(61_000)).toEqual({ failures: 5, failingForMs: 60_000 });
  expect(outage.ongoing).toBe(false);
  expect(outage.failed(70_000, 'B')?.reason).toBe('first');
});

it('names lengths and error kinds as log lines show them', () => {
  expect([400, 42_000, 60_000, 185_000].map(outageLength)).toEqual([
    '0 s',
    '42 s',
    '1 min',
    '3 min 5 s',
  ]);
  expect(outageKind(Object.assign(new Error('x'), { failure: 'CLUSTER', code: 'E' }))).toBe(
    'CLUSTER',
  );
  expect(outageKind(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
  expect(outageKind(new Error('down'))).toBe('down');
  expect(outageKind('plain')).toBe('plain');
});
