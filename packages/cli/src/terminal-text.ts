// Job data (error messages, idempotency keys, task names, inputs) is written by whoever
// enqueued or ran the job. Printed raw, it could drive the operator's terminal: set the
// window title (OSC 0), plant hyperlinks (OSC 8), clear the screen (CSI 2J), or reorder
// text with bidi overrides. Everything from job data goes through this module first.

import { escapeJsonControls, hasTerminalControls, terminalText } from '@conveyor/core/worker';

/** Text from job data, safe to print on one line (core's, shared with the worker's text log). */
export { terminalText };

/** Whether `text` holds a character {@link terminalText} would show as an escape. */
export const hasControls = hasTerminalControls;

/**
 * `JSON.stringify(value, null, space)` with the characters JSON leaves raw but a terminal
 * acts on (C1 controls, DEL, U+2028/2029, bidi controls) written as `\uXXXX` escapes: the
 * same JSON value, safe to print (`escapeJsonControls`, which the worker's log lines use).
 *
 * @example
 * terminalJson({ key: 'a\u009b2J' }); // '{"key":"a\\u009b2J"}'
 */
export function terminalJson(value: unknown, space?: number): string {
  return escapeJsonControls(JSON.stringify(value, null, space) ?? 'undefined');
}

/** How much of one line of job text the human views print ({@link cutLine}). */
export const SHOWN_LINE_CHARS = 2_000;
/** What a cut tells the reader to do. */
export const FOR_ALL = 'use --json for all of it';

/**
 * One line of job text for the terminal, cut to `max` UTF-16 code units (never inside a surrogate
 * pair) with what was cut and `hint` marked, then escaped ({@link terminalText}).
 *
 * @example
 * cutLine('x'.repeat(5_000), 2_000, 'use --json for all of it');
 * // 'xx…x… (3,000 more characters; use --json for all of it)'
 */
export function cutLine(text: string, max = SHOWN_LINE_CHARS, hint = FOR_ALL): string {
  if (text.length <= max) return terminalText(text);
  const last = text.charCodeAt(max - 1);
  const kept = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
  const rest = text.slice(kept);
  // Characters, not UTF-16 units: a surrogate pair is one.
  const pairs = rest.match(/[\ud800-\udbff][\udc00-\udfff]/g)?.length ?? 0;
  return `${terminalText(text.slice(0, kept))}… (${moreOf(rest.length - pairs, 'character')}; ${hint})`;
}

/** `12,345 more characters`, `1 more line`. */
export function moreOf(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} more ${noun}${count === 1 ? '' : 's'}`;
}
