// `conveyor worker` at a terminal, and createWorkerLogger({ format: 'text' }): lines a person
// reads, which a job's data cannot turn into terminal commands.
import { describe, expect, it } from 'vitest';
import { createWorkerLogger } from '../src/index.js';
import { textLine } from '../src/text-lines.js';

function capture() {
  const lines: string[] = [];
  const logger = createWorkerLogger({
    format: 'text',
    level: 'debug',
    destination: { write: (chunk: string) => lines.push(chunk) },
  });
  return { lines, logger };
}

describe('the text log format', () => {
  it('writes time, level, message and fields on one line', () => {
    const { lines, logger } = capture();
    logger.info(
      { jobId: 'emails:abc', task: 'shop.send', attempt: 2, queues: ['a', 'b'] },
      'job completed',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}job completed jobId=emails:abc task=shop\.send attempt=2 queues=\["a","b"\]\n$/,
    );
  });

  it("shows an error's type, message and code inline and its stack below, indented", () => {
    const { lines, logger } = capture();
    const error = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
    logger.error({ err: error, jobId: 'j1' }, 'job failed');
    const [head, ...stack] = (lines[0] ?? '').trimEnd().split('\n');
    expect(head).toMatch(/ERROR job failed err="TypeError: boom \(E_BOOM\)" jobId=j1$/);
    expect(stack.length).toBeGreaterThan(0);
    expect(stack.every((line) => line.startsWith('    at '))).toBe(true);
  });

  it('escapes what a terminal would act on, from the message and the fields alike', () => {
    const { lines, logger } = capture();
    logger.warn(
      { input: 'a\u001b[2Jb\u009b', note: 'line\nbreak' },
      'bad \u202eevil\u001b]0;x\u0007',
    );
    const line = lines[0] ?? '';
    // One line, and no control character left but its newline.
    expect(line.indexOf('\n')).toBe(line.length - 1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them.
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(line).toContain('bad \\u202eevil\\x1b]0;x\\x07');
    expect(line).toContain('note="line\\nbreak"');
    expect(line).toContain('input="a\\x1b[2Jb\\x9b"');
  });

  // A field's key was written raw: `ctx.logger.info(input)` let a job's key clear the screen.
  it("escapes field names too, and keeps fields named as pino's own", () => {
    const { lines, logger } = capture();
    logger.info({ 'evil\u001b[2Jkey': 1, name: 'Alice', pid: 'x', toString: 'kept' }, 'm');
    const line = lines[0] ?? '';
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them.
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f]/);
    expect(line).toContain('"evil\\x1b[2Jkey"=1');
    for (const field of [' name=Alice', ' pid=x', ' toString=kept']) expect(line).toContain(field);
    expect(line).not.toContain('hostname=');
  });

  it('shows each cause of an error below its stack, as the JSON format keeps them', () => {
    const { lines, logger } = capture();
    const root = new Error('root cause here');
    logger.error({ err: new Error('outer', { cause: root }) }, 'failed');
    expect(lines[0]).toContain('err="Error: outer"');
    expect(lines[0]).toContain('\n    caused by: Error: root cause here\n    at ');
  });

  // A task's field named level replaced the line's level and sent its ESC raw.
  it("keeps pino's level and time in the head when a task logs fields of those names", () => {
    const { lines, logger } = capture();
    logger.info({ level: '\u001b[2JFATAL', time: 1 }, 'forged');
    const line = lines[0] ?? '';
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}forged /);
    expect(line).toContain('level="\\x1b[2JFATAL" time=1');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them.
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f]/);
  });

  it("shows an error's name and its other fields, and only its stack's frames below", () => {
    const { lines, logger } = capture();
    class MyError extends Error {
      override name = 'MyError';
      statusCode = 503;
    }
    logger.error({ err: new MyError('first line\nsecond line') }, 'failed');
    const [head, ...below] = (lines[0] ?? '').trimEnd().split('\n');
    expect(head).toContain('err="MyError: first line\\nsecond line" err.statusCode=503');
    expect(below.length).toBeGreaterThan(0);
    expect(below.every((line) => line.startsWith('    at '))).toBe(true);
  });

  it('passes a line that is not JSON through, escaped', () => {
    expect(textLine('plain \u001b[31mred\n')).toBe('plain \\x1b[31mred\n');
  });

  it('refuses a format it does not know', () => {
    expect(() => createWorkerLogger({ format: 'pretty' as never })).toThrow(
      'Invalid format "pretty": expected json or text.',
    );
  });
});
