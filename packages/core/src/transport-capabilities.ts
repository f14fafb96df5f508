import { CapabilityMissingError } from './errors.js';
import type { Transport } from './transport.js';
import type { TransportAdmin } from './transport-admin.js';
import type { TransportLimits } from './transport-limits.js';
import type { TransportMetrics } from './transport-metrics.js';
import type { TransportSchedules } from './transport-schedules.js';
import type { TransportWorkflows } from './transport-workflows.js';

/**
 * The optional capabilities of a transport, by the property that holds each. A transport
 * has the ten required members of {@link Transport} and any of these. A new capability
 * (schedules, workflows) is one more entry here, an interface of its own, and a
 * conformance group whose tests skip on a transport without it.
 */
export interface TransportCapabilities {
  /** Operator operations: counts, purge, dead letters, worker records. */
  admin: TransportAdmin;
  /** Rate limits and concurrency caps shared by every worker on the broker. */
  limits: TransportLimits;
  /** Per-minute counters for the dashboard's charts. */
  metrics: TransportMetrics;
  /** Periodic schedules: claims a slot and enqueues its job in one atomic step. */
  schedules: TransportSchedules;
  /** Workflows: each workflow's record, its atomic hand-offs and its outbox of step jobs. */
  workflows: TransportWorkflows;
}

/** The name of an optional capability: `'admin'`, `'limits'`, `'metrics'`, `'schedules'`, `'workflows'`. */
export type TransportCapability = keyof TransportCapabilities;

/** A transport known to have the capabilities `K`. */
export type TransportWith<K extends TransportCapability> = Transport &
  Readonly<Pick<TransportCapabilities, K>>;

/**
 * True when `transport` has the capability: for callers that do without it (a worker
 * enforces limits per process when `limits` is missing).
 *
 * @example
 * if (hasCapability(transport, 'admin')) counts = await transport.admin.queueCounts(queues);
 */
export function hasCapability<K extends TransportCapability>(
  transport: Transport,
  capability: K,
): transport is TransportWith<K> {
  return transport[capability] !== undefined;
}

/**
 * The capability, or a {@link CapabilityMissingError} (`CAPABILITY_MISSING`) naming the
 * transport, the capability and `neededBy`: for callers that cannot do without it.
 *
 * @example
 * const admin = requireCapability(transport, 'admin', 'conveyor dead');
 * const page = await admin.listDead('emails');
 */
export function requireCapability<K extends TransportCapability>(
  transport: Transport,
  capability: K,
  neededBy: string,
): TransportCapabilities[K] {
  const found = transport[capability];
  if (found === undefined) throw new CapabilityMissingError(transport.name, capability, neededBy);
  return found as TransportCapabilities[K];
}
