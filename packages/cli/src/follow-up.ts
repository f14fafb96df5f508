import { maskRedisUrl } from '@conveyor/redis';
import type { Command } from 'commander';
import { hasControls } from './terminal-text.js';

/**
 * The options that choose where a command reads and writes, as commander names them, with
 * their flags, in the order a follow-up command prints them.
 */
const WHERE_OPTIONS = [
  ['config', '--config'],
  ['redis', '--redis'],
  ['prefix', '--prefix'],
  ['tlsCa', '--tls-ca'],
  ['tlsCert', '--tls-cert'],
  ['tlsKey', '--tls-key'],
  ['tlsServername', '--tls-servername'],
] as const;

/**
 * The commands a message suggests running next (`conveyor retry --all-dead --queue emails`),
 * with the options the user gave that choose the transport (`--config`, `--redis`,
 * `--prefix`, `--tls-*`): copied, the command acts on the same queues, not on the config's
 * or the default Redis. The options come last, their values quoted for a POSIX shell.
 */
export interface FollowUp {
  /**
   * `conveyor <words> <options>`: the template's literal text as written (words and
   * placeholders such as `<job-id>`), each interpolated value quoted for the shell.
   *
   * @example
   * followUp.command`retry --all-dead --queue ${queue}`;
   * // "conveyor retry --all-dead --queue emails --prefix 'my shop'"
   */
  command(words: TemplateStringsArray, ...values: string[]): string;
  /**
   * What to say after the commands when they show a `--redis` password as `****` (it is
   * never printed): ` (with the password of --redis in place of ****)`, else ''.
   */
  readonly note: string;
  /** The options themselves, each after a space (` --redis 'redis://…' --prefix app`), or ''. */
  readonly options: string;
}

/** Option values given on the command line, by commander's name (`tlsCa`). */
export type WhereOptions = Partial<Record<(typeof WHERE_OPTIONS)[number][0], string>>;

/** A follow-up command that carries `given` (see {@link FollowUp}). */
export function followUp(given: WhereOptions = {}): FollowUp {
  const parts: string[] = [];
  let masked = false;
  for (const [name, flag] of WHERE_OPTIONS) {
    const value = given[name];
    if (value === undefined) continue;
    const shown = name === 'redis' ? maskRedisUrl(value) : value;
    masked ||= shown !== value;
    parts.push(`${flag} ${shellQuote(shown)}`);
  }
  const options = parts.map((part) => ` ${part}`).join('');
  return {
    command(words, ...values) {
      const text = words.reduce(
        (line, word, index) =>
          `${line}${word}${index < values.length ? shellQuote(values[index] as string) : ''}`,
        '',
      );
      return `conveyor ${text}${options}`;
    },
    note: masked ? ' (with the password of --redis in place of ****)' : '',
    options,
  };
}

/** {@link followUp} of the options given on `command`'s command line (not from the environment). */
export function followUpOf(command: Command): FollowUp {
  const values = command.optsWithGlobals<Record<string, unknown>>();
  const given: WhereOptions = {};
  for (const [name] of WHERE_OPTIONS) {
    const value = values[name];
    if (typeof value === 'string' && command.getOptionValueSourceWithGlobals(name) === 'cli') {
      given[name] = value;
    }
  }
  return followUp(given);
}

/** Characters that stand for themselves in a POSIX shell word (`~` only after the first). */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-][A-Za-z0-9_@%+=:,./~-]*$/;

/**
 * `value` as one word of a POSIX shell command line: as it is when it holds nothing the
 * shell acts on; else in single quotes; with a control character (which a terminal would
 * act on, and the CLI prints as an escape), as `$'…'` with escapes (bash, zsh, ksh).
 *
 * @example
 * shellQuote("it's"); // "'it'\\''s'"
 */
export function shellQuote(value: string): string {
  if (PLAIN_WORD.test(value)) return value;
  if (!hasControls(value)) return `'${value.replaceAll("'", `'\\''`)}'`;
  const escaped = [...value]
    .map((char) => {
      if (char === '\\' || char === "'") return `\\${char}`;
      if (!hasControls(char)) return char;
      const code = char.charCodeAt(0);
      // \xHH is a byte: only ASCII ones are the character itself in UTF-8.
      return code < 0x80
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    })
    .join('');
  return `$'${escaped}'`;
}
