// How numbers, times, durations and values read in the UI.

const numberFormat = new Intl.NumberFormat('en-US');

export function formatNumber(value: number): string {
  return numberFormat.format(value);
}

/**
 * A count and its noun, singular for one: `1 job`, `2 jobs`. Banners said `1 job(s)`.
 *
 * @example
 * formatCount(jobs.length, 'step job') // '1 step job', '3 step jobs'
 */
export function formatCount(count: number, noun: string, plural = `${noun}s`): string {
  return `${formatNumber(count)} ${count === 1 ? noun : plural}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** Local time as `2025-01-31 14:05:09`: sortable, unambiguous, and what logs show. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `14:05`, for chart axes. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A span of time: `850 ms`, `4.2 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 10_000) return `${(abs / 1000).toFixed(1)} s`;
  const s = Math.round(abs / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 ? `${min} min ${s % 60} s` : `${min} min`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return min % 60 ? `${hours} h ${min % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** `12 s ago`, `in 3 min`, relative to `now`. */
export function formatAgo(ms: number, now = Date.now()): string {
  const delta = now - ms;
  if (Math.abs(delta) < 1000) return 'just now';
  return delta > 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(delta)}`;
}

/** `12.5 KB`, for sizes the UI mentions (truncated values). */
export function formatChars(count: number): string {
  if (count < 10_000) return `${formatNumber(count)} characters`;
  if (count < 1_000_000) return `${(count / 1000).toFixed(0)}k characters`;
  return `${(count / 1_000_000).toFixed(1)}M characters`;
}

/** Latency for chart labels: `3 ms`, `1.2 s`. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}

/**
 * `8 partitions` for a partitioned queue's stored queues: the queue's partition count, which
 * their names end with (`~3of8`), however many of them are listed (only those that have held
 * jobs are); under two counts, how many are listed. `and the plain queue` when its plain stored
 * queue (the name without `~`: jobs enqueued before the queue was partitioned, which its
 * workers read too) is among them: that one is no partition.
 */
export function partitionsLabel(stored: readonly { name: string }[]): string {
  const plain = stored.some((entry) => !entry.name.includes('~'));
  const counts = new Set(stored.flatMap((entry) => /~\d+of(\d+)$/.exec(entry.name)?.[1] ?? []));
  const count = counts.size === 1 ? Number([...counts][0]) : stored.length - (plain ? 1 : 0);
  return `${count} partition${count === 1 ? '' : 's'}${plain ? ' and the plain queue' : ''}`;
}

/**
 * A JSON value on one line with a space after each `,` and `:` (`{"to": "a@b.c", "n": [1, 2]}`),
 * so that a narrow table cell wraps it between fields rather than inside one.
 *
 * @example
 * dataText(jsonLine(schedule.input), 100, 'mono small')
 */
export function jsonLine(value: unknown): string {
  // Pretty-printed, then joined: every newline in it is layout (a string escapes its own).
  return JSON.stringify(value, null, 1).replace(/(,?)\n */g, (_, comma: string) =>
    comma ? ', ' : '',
  );
}

/**
 * The first `max` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair
 * (an emoji, say): half a pair is shown as "�".
 */
export function cutText(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
