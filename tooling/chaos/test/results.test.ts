import { describe, expect, it } from 'vitest';
import { check, noneCheck, reportCheck, scenarioResult } from '../src/harness.js';

const counts = { acked: 10, lost: 0, duplicated: 1, unexpected: 0 };

describe('scenario results', () => {
  it('bounds a count at zero, and reports a figure without a bound', () => {
    expect(noneCheck('lost', 0)).toEqual({ name: 'lost', ok: true, detail: '0', bound: '= 0' });
    expect(noneCheck('lost', 2)).toMatchObject({ ok: false, detail: '2' });
    expect(reportCheck('duplicated', '3')).toEqual({
      name: 'duplicated',
      ok: true,
      detail: '3',
      bound: 'report',
    });
  });

  it('is ok only when every check held, and carries the counts and recovery time', () => {
    const scenario = { name: 'demo', title: 'a demo' };
    const held = scenarioResult(scenario, counts, {
      recoveryMs: 1_500,
      checks: [noneCheck('lost', 0)],
      figures: { jobs: 10 },
      notes: [],
    });
    expect(held).toEqual({
      name: 'demo',
      title: 'a demo',
      ...counts,
      recoveryMs: 1_500,
      checks: [noneCheck('lost', 0)],
      figures: { jobs: 10 },
      notes: [],
      ok: true,
    });
    const broken = scenarioResult(scenario, counts, {
      checks: [noneCheck('lost', 0), check('throughput', false, '50 %', '≥ 90 %')],
      figures: {},
      notes: [],
    });
    expect(broken.ok).toBe(false);
    expect(broken).not.toHaveProperty('recoveryMs');
  });
});
