import {
  ENDED_STATES,
  findQueue,
  LIST_STATES,
  type ListState,
  type QueueOverview,
  type QueuesResponse,
} from '../api-types.js';
import { table } from '../components/table.js';
import { dataLabel, dataText } from '../components/value.js';
import { h } from '../dom.js';
import { formatNumber, partitionsLabel } from '../format.js';
import { link, paths } from '../router.js';

export const STATE_TITLES: Record<ListState, string> = {
  waiting: 'Waiting',
  delayed: 'Delayed',
  active: 'Active',
  dead: 'Dead',
  finished: 'Finished',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

/**
 * What the page says of a `?state=` it does not know, in place of the list: it used to show
 * the Waiting tab's list, "No waiting jobs.", as if the state were waiting.
 */
export function unknownStateNote(state: string): HTMLElement {
  return h(
    'div',
    { class: 'notice notice-error unknown-state', attrs: { role: 'alert' } },
    'Unknown state ',
    dataText(JSON.stringify(state), 80, 'mono'),
    `. A queue's jobs are listed by state: ${LIST_STATES.join(', ')}; or by how they finished: ${ENDED_STATES.join(', ')}.`,
  );
}

/** The queue, number and count of a partition's name (`emails~3of8`), else undefined. */
export function partitionOf(
  name: string,
): { queue: string; partition: number; of: number } | undefined {
  const match = /^(.+)~(\d+)of(\d+)$/.exec(name);
  if (!match) return undefined;
  return { queue: match[1] as string, partition: Number(match[2]), of: Number(match[3]) };
}

/**
 * How a partition is called where it is named in words: `Partition 4 of 8` for
 * `emails~3of8`. Stored names count from zero, so "Partition 3 of 8" read as off by one (and
 * `~0of8` as "Partition 0"); the stored name is shown beside it, as ids and URLs use it.
 */
export function partitionTitle(partition: { partition: number; of: number }): string {
  return `Partition ${partition.partition + 1} of ${partition.of}`;
}

/**
 * Where Find goes for an id that names another queue (not this one, nor one of its
 * partitions): that job's page, instead of "No job with this id on this queue". Undefined for
 * an id of this queue, or one without a queue part.
 */
export function otherQueueJob(queue: string, id: string): string | undefined {
  const colon = id.indexOf(':');
  if (colon <= 0) return undefined;
  const base = (name: string) => partitionOf(name)?.queue ?? name;
  return base(id.slice(0, colon)) === base(queue) ? undefined : paths.job(id);
}

/**
 * A name the overview does not list (a typo in a URL) reads as an empty queue: say so. Null
 * until the counts are known, and for every queue they list.
 */
export function unknownNote(queue: string, data: QueuesResponse | undefined): HTMLElement | null {
  if (!data || findQueue(data, queue)) return null;
  return h(
    'p',
    { class: 'notice notice-info unknown-queue' },
    'No queue named ',
    dataText(queue, 80, 'mono'),
    ' is known here: nothing has been enqueued to it. Check the name, or pick a queue on the ',
    link(paths.overview(), 'Overview'),
    '.',
  );
}

/** A partitioned queue's partitions, each count linked to that partition's page. */
export function partitionsTable(
  partitions: readonly QueueOverview[] | undefined,
): HTMLElement | null {
  if (!partitions) return null;
  return h(
    'section',
    { class: 'section partitions' },
    h(
      'h2',
      null,
      partitionsLabel(partitions),
      h(
        'span',
        { class: 'muted' },
        ' · the tabs count them all, and the list below shows their jobs newest first across them',
      ),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      table<QueueOverview>(
        [
          {
            title: 'Partition',
            cell: (p) => [
              link(paths.queue(p.name), dataLabel(p.name, 80), 'mono'),
              p.paused ? h('span', { class: 'badge state-paused' }, 'paused') : null,
            ],
          },
          ...LIST_STATES.map((state) => ({
            title: STATE_TITLES[state],
            class: 'num',
            cell: (p: QueueOverview) => {
              const a = link(
                paths.queue(p.name, { state }),
                formatNumber(p.counts[state]),
                p.counts[state] === 0 ? 'count-zero' : undefined,
              );
              a.setAttribute('data-count', state);
              return a;
            },
          })),
        ],
        partitions,
        'No partitions.',
        'Jobs per partition and state',
      ),
    ),
  );
}

/**
 * Above the Finished tab's list: All, or the finished jobs of one final state (Failed: what
 * failed, without the completed jobs around it), keeping the task filter. Links, so each
 * choice has its URL, as the tabs do.
 */
export function endedFilter(queue: string, current: ListState, task: string | undefined) {
  const choice = (state: ListState, title: string) => {
    const a = link(paths.queue(queue, { state, task }), title, 'ended-choice');
    if (state === current) a.setAttribute('aria-current', 'page');
    return a;
  };
  return h(
    'nav',
    { class: 'ended-filter', attrs: { 'aria-label': 'Finished jobs by how they ended' } },
    h('span', { class: 'muted' }, 'Ended:'),
    choice('finished', 'All'),
    ENDED_STATES.map((state) => choice(state, STATE_TITLES[state])),
  );
}
