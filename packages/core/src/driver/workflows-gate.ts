import { InvalidOptionError } from '../errors.js';
import {
  ENDED_WORKFLOW_STATUSES,
  type IdleWorkflow,
  MAX_WORKFLOW_BATCH,
  type TransportWorkflows,
} from '../transport-workflows.js';
import { gated, type TransportGate } from './gates.js';
import {
  assertIntIn,
  assertItemsWithin,
  assertJobIds,
  assertMaxChildren,
  assertStepName,
  assertWorkflowId,
  checkAddress,
  checkOutcome,
  checkStart,
  MAX_RESULTS_PAGE,
  MAX_STALE_LIMIT,
} from './workflow-checks.js';

/**
 * `transport.workflows` over a driver's [W13]: workflow ids, plans, step addresses,
 * outcomes and items (JSON within the payload cap), `maxChildren`, job id lists and limits
 * checked before the driver sees them; an empty `dispatched` answers without the driver.
 */
export function gateWorkflows(
  workflows: TransportWorkflows,
  gate: TransportGate,
  maxPayloadBytes: number,
): TransportWorkflows {
  return {
    start: (request) => gated(gate, () => workflows.start(checkStart(request, maxPayloadBytes))),
    claim: (id, address) =>
      gated(gate, () => {
        assertWorkflowId(id);
        return workflows.claim(id, checkAddress(address));
      }),
    record: (id, address, outcome) =>
      gated(gate, () => {
        assertWorkflowId(id);
        const checked = checkAddress(address);
        return workflows.record(id, checked, checkOutcome(outcome, maxPayloadBytes));
      }),
    claimMany: (id, addresses) =>
      gated(gate, () => {
        assertWorkflowId(id);
        assertBatch(addresses, 'addresses', 'step addresses { step, child? }');
        return workflows.claimMany(id, addresses.map(checkAddress));
      }),
    recordMany: (id, items) =>
      gated(gate, () => {
        assertWorkflowId(id);
        assertBatch(items, 'items', '{ address, outcome } items');
        const checked = items.map((item, index) => {
          if (typeof item !== 'object' || item === null) {
            throw new InvalidOptionError(`items[${index}]`, item, '{ address, outcome }');
          }
          const address = checkAddress(item.address);
          return { address, outcome: checkOutcome(item.outcome, maxPayloadBytes) };
        });
        return workflows.recordMany(id, checked);
      }),
    expand: (id, step, items, maxChildren) =>
      gated(gate, () => {
        assertWorkflowId(id);
        assertStepName(step);
        assertMaxChildren(maxChildren);
        if (!Array.isArray(items)) {
          throw new InvalidOptionError(`items of step "${step}"`, items, 'an array of JSON values');
        }
        // Checked, not copied: a transport stores only their count [W7].
        assertItemsWithin(items, step, maxPayloadBytes);
        return workflows.expand(id, step, items, maxChildren);
      }),
    dispatched: (id, jobIds) =>
      gated(gate, () => {
        assertWorkflowId(id);
        assertJobIds(jobIds);
        return jobIds.length === 0 ? Promise.resolve() : workflows.dispatched(id, jobIds);
      }),
    stale: (before, limit) =>
      gated(gate, () => {
        assertBeforeAndLimit(before, limit);
        return workflows.stale(before, limit);
      }),
    idle: (before, limit, after) =>
      gated(gate, () => {
        assertBeforeAndLimit(before, limit);
        if (after === undefined) return workflows.idle(before, limit);
        return workflows.idle(before, limit, checkCursor(after, 'idle'));
      }),
    running: (limit, after) =>
      gated(gate, () => {
        assertIntIn(limit, 'limit', 1, MAX_STALE_LIMIT);
        if (after === undefined) return workflows.running(limit);
        return workflows.running(limit, checkCursor(after, 'running'));
      }),
    ended: (status, limit, after) =>
      gated(gate, () => {
        if (!ENDED_WORKFLOW_STATUSES.includes(status)) {
          throw new InvalidOptionError(
            'status',
            status,
            `one of ${ENDED_WORKFLOW_STATUSES.map((s) => `'${s}'`).join(', ')}`,
          );
        }
        assertIntIn(limit, 'limit', 1, MAX_STALE_LIMIT);
        if (after === undefined) return workflows.ended(status, limit);
        return workflows.ended(status, limit, checkCursor(after, 'ended'));
      }),
    outbox: (id) =>
      gated(gate, () => {
        assertWorkflowId(id);
        return workflows.outbox(id);
      }),
    get: (id, options) =>
      gated(gate, () => {
        assertWorkflowId(id);
        if (options === undefined) return workflows.get(id);
        const children = (options as { children?: unknown } | null)?.children;
        if (typeof options !== 'object' || options === null || !isOptionalBoolean(children)) {
          throw new InvalidOptionError('options', options, '{ children?: boolean }, or nothing');
        }
        return children === false ? workflows.get(id, { children }) : workflows.get(id);
      }),
    results: (id, step, range) =>
      gated(gate, () => {
        assertWorkflowId(id);
        assertStepName(step);
        if (range === undefined) return workflows.results(id, step);
        if (typeof range !== 'object' || range === null) {
          throw new InvalidOptionError('range', range, '{ from, count }, or nothing');
        }
        assertIntIn(range.from, 'range.from', 0, Number.MAX_SAFE_INTEGER);
        assertIntIn(range.count, 'range.count', 1, MAX_RESULTS_PAGE);
        return workflows.results(id, step, { from: range.from, count: range.count });
      }),
    cancel: (id) =>
      gated(gate, () => {
        assertWorkflowId(id);
        return workflows.cancel(id);
      }),
    retry: (id) =>
      gated(gate, () => {
        assertWorkflowId(id);
        return workflows.retry(id);
      }),
  };
}

function assertBatch(list: unknown, what: string, expected: string): asserts list is unknown[] {
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_WORKFLOW_BATCH) {
    const shown = Array.isArray(list) ? `${list.length} ${what}` : list;
    throw new InvalidOptionError(what, shown, `1 to ${MAX_WORKFLOW_BATCH} ${expected}`);
  }
}

function assertBeforeAndLimit(before: number, limit: number): void {
  if (typeof before !== 'number' || !Number.isFinite(before)) {
    throw new InvalidOptionError('before', before, 'a time in ms since the epoch');
  }
  assertIntIn(limit, 'limit', 1, MAX_STALE_LIMIT);
}

/** A listing's `after`: an entry of its answer, `{ at, id }`. */
function checkCursor(after: unknown, listing: 'idle' | 'running' | 'ended'): IdleWorkflow {
  const cursor = after as { at?: unknown; id?: unknown } | null;
  if (
    typeof cursor !== 'object' ||
    cursor === null ||
    typeof cursor.at !== 'number' ||
    !Number.isFinite(cursor.at)
  ) {
    throw new InvalidOptionError('after', after, `{ at, id }: an entry of ${listing}'s answer`);
  }
  assertWorkflowId(cursor.id);
  return { at: cursor.at, id: cursor.id };
}

function isOptionalBoolean(value: unknown): value is boolean | undefined {
  return value === undefined || typeof value === 'boolean';
}
