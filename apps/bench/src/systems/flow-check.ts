import { payload } from '../payload.js';
import type { FlowOutcome } from './types.js';

/**
 * What a flow's parent returns, for both systems: how many values it received, and how
 * many were not the value of the child at that place (child `i` returns `payload(i).n`).
 */
export function checkValues(values: readonly unknown[]): FlowOutcome {
  let misplaced = 0;
  values.forEach((value, i) => {
    if (value !== payload(i).n) misplaced += 1;
  });
  return { count: values.length, misplaced };
}
