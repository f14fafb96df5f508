import { describe, expect, it } from 'vitest';
import { cutLine, terminalJson, terminalText } from '../src/terminal-text.js';
import { cutDeepValues, TOO_DEEP_MARKER } from '../src/value-depth.js';

describe('terminalText', () => {
  it('shows every character a terminal acts on as an escape, and leaves the rest', () => {
    expect(terminalText('a\x1b]0;title\x07b')).toBe('a\\x1b]0;title\\x07b');
    expect(terminalText('tab\there\nnew\rline\x00\x7f')).toBe('tab\\there\\nnew\\rline\\x00\\x7f');
    expect(terminalText('\u0080\u009b2J\u009f')).toBe('\\x80\\x9b2J\\x9f');
    expect(terminalText('\u202eevil\u202c \u2066x\u2069 \u200e\u200f\u061c \u2028\u2029')).toBe(
      '\\u202eevil\\u202c \\u2066x\\u2069 \\u200e\\u200f\\u061c \\u2028\\u2029',
    );
    expect(terminalText('héllo wörld ✓ 日本 🚀 \\x1b')).toBe('héllo wörld ✓ 日本 🚀 \\x1b');
  });

  it('is idempotent', () => {
    const once = terminalText('\x1b[2J\u009b\u202e');
    expect(terminalText(once)).toBe(once);
  });
});

describe('cutLine', () => {
  it('cuts at the limit with what was cut and the hint, never inside a surrogate pair', () => {
    expect(cutLine('short\x1b', 10, 'hint')).toBe('short\\x1b');
    expect(cutLine('abcdefghij!', 10, 'use --json')).toBe(
      'abcdefghij… (1 more character; use --json)',
    );
    // '🚀' is two UTF-16 units: a cut at 4 would keep half of it; it counts as one character.
    expect(cutLine('abc🚀def', 4, 'h')).toBe('abc… (4 more characters; h)');
  });
});

describe('terminalJson', () => {
  it('is the same JSON value, with no raw C1, DEL, separator or bidi character', () => {
    const value = { key: 'a\x1b[2J\u009b2J\u007f\u2028\u202e', n: [1, 'é'] };
    const text = terminalJson(value, 2);
    expect(text).not.toMatch(/[\u007f-\u009f\u2028\u202e]/);
    expect(text).toContain('"a\\u001b[2J\\u009b2J\\u007f\\u2028\\u202e"');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('cutDeepValues', () => {
  it('replaces what lies below the depth limit, without recursing into it', () => {
    expect(cutDeepValues({ a: [1, { b: 2 }] }, 3)).toEqual({
      value: { a: [1, { b: 2 }] },
      cut: false,
    });
    expect(cutDeepValues([[[1]]], 2)).toEqual({ value: [[TOO_DEEP_MARKER]], cut: true });
    let deep: unknown = 0;
    for (let level = 0; level < 200_000; level++) deep = [deep];
    const { value, cut } = cutDeepValues(deep);
    expect(cut).toBe(true);
    expect(JSON.stringify(value)).toBe(`${'['.repeat(100)}"${TOO_DEEP_MARKER}"${']'.repeat(100)}`);
  });
});
