import { describeError, getJson, postJson } from '../api.js';
import type { QueueOverview, QueuesResponse } from '../api-types.js';
import { confirmAction } from '../components/dialog.js';
import type { Notices } from '../components/notice.js';
import { dataText } from '../components/value.js';
import { canWrite } from '../config.js';
import { type Child, h } from '../dom.js';
import { partitionsLabel } from '../format.js';

/**
 * How much of a queue is paused: `all` from the entry's own `paused`, which also counts a
 * plain stored queue the list leaves out while it is empty; else how many partitions are.
 */
function pausedOf(entry: QueueOverview): { all: boolean; paused: number; label: string } {
  const all = entry.paused === true;
  const parts = entry.partitions;
  if (!parts) return { all, paused: all ? 1 : 0, label: '' };
  return { all, paused: parts.filter((p) => p.paused).length, label: partitionsLabel(parts) };
}

/**
 * "paused", or "2 of 8 partitions paused" for a partitioned queue paused in part ("2 of 8
 * partitions and the plain queue paused" when that one has held jobs); null when
 * nothing of it is paused.
 */
export function pauseBadge(entry: QueueOverview | undefined): HTMLElement | null {
  if (!entry) return null;
  const { all, paused, label } = pausedOf(entry);
  if (!all && paused === 0) return null;
  // "2 of 8 partitions paused"; the plain queue, when it has held jobs, is named apart.
  const text = all ? 'paused' : `${paused} of ${label} paused`;
  return h(
    'span',
    {
      class: 'badge state-paused',
      attrs: {
        'data-paused': all ? 'all' : 'some',
        title: 'Workers take none of its jobs until it is resumed.',
      },
    },
    text,
  );
}

interface PauseAnswer {
  queue: string;
  paused: boolean;
  changed: string[];
}

async function act(
  queue: string,
  entry: QueueOverview | undefined,
  pause: boolean,
  flash: Notices,
  done: (data: QueuesResponse) => void,
): Promise<void> {
  const parts = entry?.partitions && partitionsLabel(entry.partitions);
  const whole = parts ? ` ${pause ? 'Pauses' : 'Resumes'} all its ${parts}.` : '';
  const ok = await confirmAction({
    title: pause ? 'Pause this queue?' : 'Resume this queue?',
    body: pause
      ? [
          'Workers take none of the jobs of ',
          dataText(queue, 80, 'mono'),
          ` until it is resumed: running jobs finish, new and due jobs wait.${whole}`,
        ]
      : ['Workers take the jobs of ', dataText(queue, 80, 'mono'), ` again.${whole}`],
    confirm: pause ? 'Pause queue' : 'Resume queue',
  });
  if (!ok) return;
  try {
    const answer = await postJson<PauseAnswer>(
      `/queues/${encodeURIComponent(queue)}/${pause ? 'pause' : 'resume'}`,
    );
    const none = answer.changed.length === 0;
    flash.show('ok', [
      none ? 'Queue ' : pause ? 'Paused ' : 'Resumed ',
      dataText(queue, 80, 'mono'),
      none
        ? pause
          ? ' was paused already.'
          : ' was not paused.'
        : pause
          ? ': workers take none of its jobs until it is resumed.'
          : ': workers take its jobs again.',
    ]);
  } catch (error) {
    flash.show('error', `${pause ? 'Pause' : 'Resume'} failed: ${describeError(error)}`);
  }
  // The stream's next counts say so too; read them now so the button changes at once.
  getJson<QueuesResponse>('/queues').then(done, () => {});
}

/**
 * The queue page's badge and its Pause / Resume button (both for a partitioned queue paused
 * in part), each asking first. No buttons without write access.
 */
export function pauseControls(
  queue: string,
  entry: QueueOverview | undefined,
  flash: Notices,
  done: (data: QueuesResponse) => void,
): Child[] {
  const badge = pauseBadge(entry);
  if (!entry || !canWrite()) return [badge];
  const { all, paused } = pausedOf(entry);
  const button = (pause: boolean): HTMLElement =>
    h(
      'button',
      {
        class: pause ? 'button' : 'button primary',
        attrs: { type: 'button', 'data-action': pause ? 'pause' : 'resume' },
        on: { click: () => void act(queue, entry, pause, flash, done) },
      },
      pause ? 'Pause' : 'Resume',
    );
  return [badge, all ? null : button(true), all || paused > 0 ? button(false) : null];
}
