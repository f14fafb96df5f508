import { baseQueueOf } from '@conveyor/core/transport';

/**
 * The order a worker's reserve calls name its queues in. A transport drains the queues of
 * one call in the order given, so the order turns between calls: call `r` starts with
 * queue `r mod q` of the `q` queues, and no queue starves behind another.
 *
 * A partitioned queue's partitions count as one queue here, and turn among themselves
 * once per round of the queues: with `emails` (8 partitions) beside `reports`, each queue
 * leads every second call and each partition of `emails` leads every 16th, instead of
 * `emails` leading 8 calls of 9 because it has 8 names. The queue's plain stored name, which a
 * worker reads beside its partitions (jobs from before the queue was partitioned), follows
 * them and never leads.
 *
 * @example
 * const orderOf = reserveOrder(['emails~0of2', 'emails~1of2', 'reports']);
 * orderOf(0); // ['emails~0of2', 'emails~1of2', 'reports']
 * orderOf(1); // ['reports', 'emails~0of2', 'emails~1of2']
 * orderOf(2); // ['emails~1of2', 'emails~0of2', 'reports']
 */
export function reserveOrder(queues: readonly string[]): (call: number) => readonly string[] {
  /** Per queue: its partitions, which turn among themselves, and its plain stored name. */
  const groups = new Map<string, { turning: string[]; plain: string[] }>();
  for (const queue of queues) {
    const base = baseQueueOf(queue);
    let group = groups.get(base);
    if (group === undefined) {
      group = { turning: [], plain: [] };
      groups.set(base, group);
    }
    // A partitioned queue's plain stored queue (jobs from before it was partitioned) never
    // leads: it comes after the partitions.
    (base === queue ? group.plain : group.turning).push(queue);
  }
  const list = [...groups.values()];
  // No partitioned queue: the plain rotation, one array per call as before.
  if (list.every((group) => group.turning.length === 0)) {
    return (call) => {
      const start = call % queues.length;
      return [...queues.slice(start), ...queues.slice(0, start)];
    };
  }
  return (call) => {
    const start = call % list.length;
    const round = Math.floor(call / list.length);
    const order: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const { turning, plain } = list[(start + i) % list.length] as (typeof list)[number];
      const first = turning.length > 0 ? round % turning.length : 0;
      for (let j = 0; j < turning.length; j++) {
        order.push(turning[(first + j) % turning.length] as string);
      }
      order.push(...plain);
    }
    return order;
  };
}
