import type { DestinationStream } from 'pino';

/** pino's numeric levels, as the text lines name them. */
const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every pino line carries, shown in the line's head or not at all. */
const HEAD_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/**
 * Everything a terminal acts on: C0 and C1 controls, DEL, the line and paragraph separators
 * and the bidi controls. A job's data (an error message, a task's log fields) reaches these
 * lines, and must not drive the terminal that shows them.
 */
const TERMINAL_CONTROLS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the controls are what it finds.
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escaped = (text: string): string =>
  text.replace(TERMINAL_CONTROLS, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\t') return '\\t';
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });

/** A field's value as `key=value`: plain words bare, anything else as JSON, escaped. */
function fieldText(key: string, value: unknown): string {
  const plain = typeof value === 'string' && /^[\w.:/@~+-]+$/.test(value);
  const text = plain ? (value as string) : (JSON.stringify(value) ?? String(value));
  return `${key}=${escaped(text)}`;
}

/** An `err` field: its type and message on the line, its stack below it, indented. */
function errorText(err: unknown): { inline: string; below: string } {
  if (typeof err !== 'object' || err === null) return { inline: fieldText('err', err), below: '' };
  const { type, message, stack, code } = err as Record<string, unknown>;
  const head = `${typeof type === 'string' ? type : 'Error'}: ${String(message ?? '')}`;
  const withCode = typeof code === 'string' ? `${head} (${code})` : head;
  const lines = typeof stack === 'string' ? stack.split('\n').slice(1) : [];
  return {
    inline: `err=${JSON.stringify(escaped(withCode))}`,
    below: lines.map((line) => `\n    ${escaped(line.trim())}`).join(''),
  };
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
  const at = new Date(typeof record.time === 'number' ? record.time : Date.now());
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
  const level = (LEVEL_NAMES[record.level as number] ?? String(record.level)).padEnd(5);
  const parts = [`${time} ${level}`, escaped(String(record.msg ?? ''))];
  let below = '';
  for (const [key, value] of Object.entries(record)) {
    if (HEAD_FIELDS.has(key) || value === undefined) continue;
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
