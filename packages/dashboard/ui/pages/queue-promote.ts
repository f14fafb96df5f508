// The Delayed list's "Run all now…": asks with the count (read fresh, as the dead list's bulk
// retry previews its count), then makes every delayed job of the queue waiting now, each at
// the end of its priority's line in the order they were due (`POST api/queues/<q>/promote`).
// A partitioned queue's page runs all its partitions' delayed jobs, as its Pause pauses them
// all; a partition's page runs that partition's only.

import { describeError, getJson, postJson } from '../api.js';
import { findQueue, type QueuesResponse } from '../api-types.js';
import { confirmAction } from '../components/dialog.js';
import type { Notices } from '../components/notice.js';
import { pausedNote } from '../components/retry.js';
import { dataText } from '../components/value.js';
import { canWrite } from '../config.js';
import { h } from '../dom.js';
import { formatNumber, partitionsLabel } from '../format.js';

interface PromoteAnswer {
  queue: string;
  promoted: number;
  paused?: string[];
}

const jobs = (n: number): string => `${formatNumber(n)} delayed job${n === 1 ? '' : 's'}`;

async function runAll(queue: string, flash: Notices, done: () => void): Promise<void> {
  let data: QueuesResponse;
  try {
    data = await getJson<QueuesResponse>('/queues');
  } catch (error) {
    flash.show('error', `The delayed jobs could not be counted: ${describeError(error)}`);
    return;
  }
  const entry = findQueue(data, queue);
  const count = entry?.counts.delayed ?? 0;
  if (!entry || count === 0) {
    flash.show('info', 'No delayed jobs on this queue now: they came due, or were run already.');
    done();
    return;
  }
  const parts = entry.partitions;
  const paused = parts ? parts.filter((p) => p.paused).map((p) => p.name) : [];
  if (!parts && entry.paused) paused.push(queue);
  const ok = await confirmAction({
    title: `Run ${jobs(count)} now?`,
    body: h(
      'div',
      null,
      h(
        'p',
        null,
        `${jobs(count)} of `,
        dataText(queue, 80, 'mono'),
        parts ? ` (across its ${partitionsLabel(parts)})` : '',
        " move to waiting now, each at the end of its priority's line, in the order they were due. Retries waiting out their backoff run now too.",
      ),
      paused.length > 0
        ? h('p', { attrs: { 'data-paused': true } }, pausedNote(paused, 'them').trim())
        : null,
    ),
    confirm: `Run ${formatNumber(count)} job${count === 1 ? '' : 's'} now`,
  });
  if (!ok) return;
  try {
    const answer = await postJson<PromoteAnswer>(`/queues/${encodeURIComponent(queue)}/promote`);
    const n = answer.promoted;
    flash.show(
      n === 0 ? 'info' : 'ok',
      n === 0
        ? 'No job moved: the delayed jobs came due, or were run or cancelled, meanwhile.'
        : `Moved ${jobs(n)} to waiting.${pausedNote(answer.paused, 'them')}`,
    );
  } catch (error) {
    flash.show('error', `Run all now failed: ${describeError(error)}`);
  }
  // The list empties, the button with it: keep keyboard focus on the outcome.
  flash.focus();
  done();
}

/** Above the Delayed list: "Run all now…", only when the dashboard may write. */
export function runAllNowBar(queue: string, flash: Notices, done: () => void): HTMLElement | null {
  if (!canWrite()) return null;
  return h(
    'div',
    { class: 'actions list-actions' },
    h(
      'button',
      {
        class: 'button primary',
        attrs: { type: 'button', 'data-action': 'run-all-now' },
        on: { click: () => void runAll(queue, flash, done) },
      },
      'Run all now…',
    ),
  );
}
