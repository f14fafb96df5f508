import { describe, expect, it } from 'vitest';
import { formatCount } from '../ui/format.js';

describe('formatCount', () => {
  it('says one thing in the singular and any other number in the plural', () => {
    // Banners read "1 step job(s) cancelled" and "1 job(s) enqueued".
    expect(formatCount(1, 'step job')).toBe('1 step job');
    expect(formatCount(0, 'job')).toBe('0 jobs');
    expect(formatCount(2, 'job')).toBe('2 jobs');
    expect(formatCount(1_500, 'entry', 'entries')).toBe('1,500 entries');
  });
});
