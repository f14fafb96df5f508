import { describe, expect, it } from 'vitest';
import { jsonLine } from '../ui/format.js';

describe('jsonLine', () => {
  it('writes JSON on one line with a space after each comma and colon', () => {
    expect(jsonLine({ to: 'a@b.c', smtp: { password: '[redacted]' }, n: [1, 2] })).toBe(
      '{"to": "a@b.c", "smtp": {"password": "[redacted]"}, "n": [1, 2]}',
    );
    expect(jsonLine({})).toBe('{}');
    expect(jsonLine([])).toBe('[]');
    expect(jsonLine('x')).toBe('"x"');
    expect(jsonLine(null)).toBe('null');
  });

  it("leaves a string's own commas, newlines and spaces as JSON writes them", () => {
    expect(jsonLine({ note: 'a,\n  b', k: ',\n' })).toBe('{"note": "a,\\n  b", "k": ",\\n"}');
    expect(JSON.parse(jsonLine({ note: 'a,\n  b' }))).toEqual({ note: 'a,\n  b' });
  });
});
