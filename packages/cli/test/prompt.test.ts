import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askYesNo } from '../src/prompt.js';

/** Asks on a scripted terminal (readline in terminal mode reads the keys as a TTY's). */
async function answer(keys: string): Promise<{ confirmed: boolean; shown: string }> {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  let shown = '';
  output.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
  });
  const asked = askYesNo('Delete 3 jobs? [y/N] ', input, output);
  input.write(keys);
  const confirmed = await asked;
  return { confirmed, shown };
}

describe('the purge prompt', () => {
  it('is a yes only for y or yes', async () => {
    expect((await answer('yes\r')).confirmed).toBe(true);
    expect((await answer('Y\r')).confirmed).toBe(true);
    expect((await answer('\r')).confirmed).toBe(false);
    expect((await answer('yess\r')).confirmed).toBe(false);
  });

  it('takes Ctrl-C and Ctrl-D as a no, and ends the line', async () => {
    const interrupted = await answer('\x03');
    expect(interrupted.confirmed).toBe(false);
    expect(interrupted.shown).toMatch(/Delete 3 jobs\? \[y\/N\] .*\^C\n$/s);
    const ended = await answer('\x04');
    expect(ended.confirmed).toBe(false);
    expect(ended.shown.endsWith('\n')).toBe(true);
  });
});
