import { InvalidOptionError } from '@conveyor/core';
import {
  assertPartitionBy,
  assertPartitions,
  isQueueName,
  MAX_PARTITIONS,
  QUEUE_NAME_RULE,
} from '@conveyor/core/transport';
import { ts } from 'ts-morph';
import type { Report } from './copy.js';
import { unwrapExpression } from './scope.js';
import type { StaticValue } from './static-value.js';

/** `queue: { name, partitions?, partitionBy? }`'s keys and the contract fields they fill. */
const QUEUE_FIELDS: readonly (readonly [string, string])[] = [
  ['name', 'queue'],
  ['partitions', 'partitions'],
  ['partitionBy', 'partitionBy'],
];

/**
 * Core's rule for each value (the checks `defineTask` runs when the module loads) and the
 * fix that codegen prints with it.
 */
const RULES: Readonly<
  Record<string, { check(value: unknown, option: string): void; fix: string }>
> = {
  name: {
    check(value, option) {
      if (!isQueueName(value)) throw new InvalidOptionError(option, value, QUEUE_NAME_RULE);
    },
    fix: `Name the queue with ${QUEUE_NAME_RULE}, e.g. \`name: 'emails'\`.`,
  },
  partitions: {
    check: assertPartitions,
    fix: `Write partitions as a whole number from 1 to ${MAX_PARTITIONS} (1 is a plain queue), e.g. \`partitions: 8\`; see docs/partitions.md.`,
  },
  partitionBy: {
    check: assertPartitionBy,
    fix: "Name an input field as a dot path, e.g. `partitionBy: 'customerId'` or `'customer.id'`.",
  },
};

/**
 * False, with the problem reported as `INVALID_QUEUE_OPTION`, when `queue: 'bad queue'`
 * breaks core's queue name rule: it would pass generate, be written into the client, and
 * fail only when the task module (or the generated client) loads.
 */
export function checkQueueName(
  value: StaticValue,
  task: string,
  node: ts.Node,
  report: Report,
): boolean {
  try {
    RULES.name?.check(value, `queue of task ${JSON.stringify(task)}`);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'INVALID_OPTION') throw error;
    report(
      node,
      'INVALID_QUEUE_OPTION',
      `${(error as Error).message.replace(/\.$/, '')}; defineTask would throw this when the task module loads.`,
      `Name the queue with ${QUEUE_NAME_RULE}, e.g. \`queue: 'emails'\`.`,
    );
    return false;
  }
}

/**
 * The contract fields of `queue: { name, partitions?, partitionBy? }`, in contract order,
 * or undefined (reported as `INVALID_QUEUE_OPTION`) when the object is not of that shape or
 * a value breaks core's rule for it: `partitions: 0` would otherwise pass generate and
 * fail only when the task module loads, after producers were built from the contract.
 * Whether `partitionBy` names a field of the input schema is left to `defineTask`.
 */
export function queueFields(
  value: StaticValue,
  task: string,
  node: ts.Node,
  report: Report,
): [string, StaticValue][] | undefined {
  const record = value as Readonly<Record<string, StaticValue>>;
  const known = new Set(QUEUE_FIELDS.map(([key]) => key));
  const valid =
    !Array.isArray(value) &&
    Object.keys(record).every((key) => known.has(key)) &&
    typeof record.name === 'string' &&
    (record.partitions === undefined || typeof record.partitions === 'number') &&
    (record.partitionBy === undefined || typeof record.partitionBy === 'string');
  if (!valid) {
    report(
      node,
      'INVALID_QUEUE_OPTION',
      `queue of task ${JSON.stringify(task)} is ${JSON.stringify(node.getText())}, which is neither a queue name nor { name, partitions?, partitionBy? }.`,
      "Write `queue: 'emails'` or `queue: { name: 'emails', partitions: 8, partitionBy: 'customerId' }`.",
    );
    return undefined;
  }
  let broken = false;
  for (const [key] of QUEUE_FIELDS) {
    const rule = RULES[key];
    if (record[key] === undefined || rule === undefined) continue;
    try {
      rule.check(record[key], `queue.${key} of task ${JSON.stringify(task)}`);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'INVALID_OPTION') throw error;
      broken = true;
      report(
        propertyNode(node, key),
        'INVALID_QUEUE_OPTION',
        `${(error as Error).message.replace(/\.$/, '')}; defineTask would throw this when the task module loads.`,
        rule.fix,
      );
    }
  }
  if (broken) return undefined;
  const fields: [string, StaticValue][] = [];
  for (const [key, field] of QUEUE_FIELDS) {
    if (record[key] !== undefined) fields.push([field, record[key] as StaticValue]);
  }
  return fields;
}

/** The value of `key` in the object literal `node` is (the whole node when it is not one). */
function propertyNode(node: ts.Node, key: string): ts.Node {
  const object = ts.isExpression(node) ? unwrapExpression(node) : node;
  if (!ts.isObjectLiteralExpression(object)) return node;
  for (const property of object.properties) {
    if (
      (ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property)) &&
      !ts.isComputedPropertyName(property.name) &&
      property.name.text === key
    ) {
      return ts.isPropertyAssignment(property) ? property.initializer : property;
    }
  }
  return node;
}
