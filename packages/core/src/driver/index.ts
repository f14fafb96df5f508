/**
 * @conveyor/core/transport: what a transport author needs. Write a {@link TransportDriver},
 * wrap it with {@link createTransport}, and run `runTransportConformance` from
 * `@conveyor/core/testing` on the result (docs/adding-a-transport.md).
 */

export { isJobIdOf, queueOfJobId } from '../ids.js';
export { SLOT_RETRY_MAX_MS } from '../transport-limits.js';
export { createTransport, type TransportOf } from './create-transport.js';
export type { CreateTransportOptions, TransportAdminDriver, TransportDriver } from './driver.js';
