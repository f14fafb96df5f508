import { hostname } from 'node:os';
import { terminalText } from '@conveyor/core/worker';
import type { DestinationStream } from 'pino';

/** As pino writes it on every line: read once, not per line. */
const HOST = hostname();

/** pino's numeric levels, as the text lines name them. */
const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/**
 * Fields pino writes on every line, with the value it writes: left out of the line (the level,
 * time and message head it). A logged field of the same name (pino writes it last, and it is
 * the one parsed) is shown, unless it holds that same value.
 */
const PINO_FIELDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  msg: () => true,
  pid: (value) => value === process.pid,
  hostname: (value) => value === HOST,
  name: (value) => value === 'conveyor-worker',
};

/** Job data (an error message, a task's log fields) must not drive the terminal that shows it. */
const escaped = terminalText;

const PLAIN = /^[\w.:/@~+-]+$/;

/**
 * A key or value as the line shows it: plain words bare, other text in double quotes, anything
 * else as JSON; escaped alike ({@link terminalText}: `\x1b`, `\n`, `\u202e`).
 */
function token(value: unknown): string {
  if (typeof value === 'string') {
    return PLAIN.test(value) ? value : `"${escaped(value).replace(/"/g, '\\"')}"`;
  }
  return escaped(JSON.stringify(value) ?? String(value));
}

/** A field as `key=value`; the key is job data too (a task may log its input). */
const fieldText = (key: string, value: unknown): string => `${token(key)}=${token(value)}`;

/** `Name: message (CODE)` of a serialized error (its `name`, else pino's `type`). */
function errorHead(err: Record<string, unknown>): string {
  const { type, name, message, code } = err;
  const kind = typeof name === 'string' ? name : typeof type === 'string' ? type : 'Error';
  const head = `${kind}: ${String(message ?? '')}`;
  return typeof code === 'string' ? `${head} (${code})` : head;
}

/** An error's fields the head and the lines below show; any other is shown as `err.<key>=`. */
const ERROR_SHOWN = new Set(['type', 'name', 'message', 'code', 'stack', 'cause']);

/** Causes followed at most this deep: a cycle or a long chain ends here. */
const MAX_CAUSES = 5;

/**
 * An `err` field: its name, message and code on the line, with its other fields
 * (`err.statusCode=503`); below it, indented, its stack's frames and each cause's
 * (`caused by: …`), as the JSON format keeps them.
 */
function errorText(err: unknown): { inline: string; below: string } {
  if (typeof err !== 'object' || err === null) return { inline: fieldText('err', err), below: '' };
  let below = '';
  let current: unknown = err;
  for (
    let depth = 0;
    depth <= MAX_CAUSES && typeof current === 'object' && current !== null;
    depth++
  ) {
    const record = current as Record<string, unknown>;
    if (depth > 0) below += `\n    caused by: ${escaped(errorHead(record))}`;
    // The frames only: the stack's first lines repeat the message, which may span several.
    const frames =
      typeof record.stack === 'string'
        ? record.stack.split('\n').filter((line) => line.trim().startsWith('at '))
        : [];
    below += frames.map((line) => `\n    ${escaped(line.trim())}`).join('');
    current = record.cause;
  }
  const fields = Object.entries(err)
    .filter(([key, value]) => !ERROR_SHOWN.has(key) && value !== undefined)
    .map(([key, value]) => ` ${fieldText(`err.${key}`, value)}`)
    .join('');
  return { inline: `err=${token(errorHead(err as Record<string, unknown>))}${fields}`, below };
}

/** Two digits. */
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * One JSON log line as text: `12:04:05.123 INFO  worker started concurrency=10 queues=["emails"]`,
 * an error's stack on the lines below. A line that is not JSON passes as it is, escaped.
 */
export function textLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return `${escaped(json.replace(/\n$/, ''))}\n`;
  }
  // pino writes its level and time first; a logged field of the same name comes later and is
  // the one JSON.parse keeps, so the head reads pino's own from the line's start.
  const own = /^\{"level":(\d+),"time":(\d+)/.exec(json);
  const levelNumber = own ? Number(own[1]) : record.level;
  const timeNumber = own ? Number(own[2]) : record.time;
  const at = new Date(typeof timeNumber === 'number' ? timeNumber : Date.now());
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
  const level = (LEVEL_NAMES[levelNumber as number] ?? token(levelNumber)).padEnd(5);
  const parts = [`${time} ${level}`, escaped(String(record.msg ?? ''))];
  let below = '';
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (key === 'level' && value === levelNumber) continue;
    if (key === 'time' && value === timeNumber) continue;
    if (Object.hasOwn(PINO_FIELDS, key) && PINO_FIELDS[key]?.(value)) continue;
    if (key === 'err') {
      const error = errorText(value);
      parts.push(error.inline);
      below = error.below;
    } else {
      parts.push(fieldText(key, value));
    }
  }
  return `${parts.join(' ')}${below}\n`;
}

/** `destination` with each JSON line written as {@link textLine}. */
export function textLines(destination: DestinationStream): DestinationStream {
  return {
    write(chunk: string) {
      // pino writes one line per call; a chunk of several is split to be safe.
      const lines = chunk.split('\n').filter((line) => line !== '');
      destination.write(lines.map(textLine).join(''));
    },
  };
}
