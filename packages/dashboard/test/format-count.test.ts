import { describe, expect, it } from 'vitest';
import { cutText, formatCount } from '../ui/format.js';

describe('formatCount', () => {
  it('says one thing in the singular and any other number in the plural', () => {
    // Banners read "1 step job(s) cancelled" and "1 job(s) enqueued".
    expect(formatCount(1, 'step job')).toBe('1 step job');
    expect(formatCount(0, 'job')).toBe('0 jobs');
    expect(formatCount(2, 'job')).toBe('2 jobs');
    expect(formatCount(1_500, 'entry', 'entries')).toBe('1,500 entries');
  });
});

describe('cutText', () => {
  // An error quoting emoji was cut through one in the dead list: "…�…".
  it('never splits a surrogate pair', () => {
    const text = 'ab🎉🎉cd';
    expect(cutText(text, 3)).toBe('ab');
    expect(cutText(text, 4)).toBe('ab🎉');
    expect(cutText(text, 2)).toBe('ab');
    expect(cutText(text, 100)).toBe(text);
    for (let max = 0; max <= text.length; max++) {
      // No lone high surrogate at the end (what the browser shows as "�").
      expect(cutText(text, max)).not.toMatch(/[\ud800-\udbff]$/);
    }
  });
});
