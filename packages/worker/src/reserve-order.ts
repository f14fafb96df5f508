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
  const groups = new Map<string, string[]>();
  for (const queue of queues) {
    const base = baseQueueOf(queue);
    const group = groups.get(base);
    if (group === undefined) groups.set(base, [queue]);
    else group.push(queue);
  }
  const list = [...groups.values()];
  // No partitioned queue: the plain rotation, one array per call as before.
  if (list.every((group) => group.length === 1)) {
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
      const group = list[(start + i) % list.length] as string[];
      // A partitioned queue's plain stored queue (jobs from before it was partitioned)
      // never leads: it comes after the partitions, which turn among themselves.
      const turning = group.filter((queue) => queue.includes('~'));
      const first = turning.length > 0 ? round % turning.length : 0;
      for (let j = 0; j < turning.length; j++) {
        order.push(turning[(first + j) % turning.length] as string);
      }
      for (const queue of group) if (!queue.includes('~')) order.push(queue);
    }
    return order;
  };
}
