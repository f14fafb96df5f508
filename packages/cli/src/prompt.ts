import { createInterface } from 'node:readline/promises';

/**
 * Asks `question` on a terminal and resolves true only for "y" or "yes". Ctrl-C and Ctrl-D
 * close the prompt, which is a no: an interrupted purge does not happen, and says so (exit 5)
 * instead of failing with readline's abort.
 */
export async function askYesNo(
  question: string,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<boolean> {
  const terminal = createInterface({ input, output });
  let interrupted = false;
  // Without a listener, readline only pauses its input on Ctrl-C: the question would wait
  // forever.
  terminal.on('SIGINT', () => {
    interrupted = true;
    terminal.close();
  });
  const closed = new Promise<undefined>((resolve) =>
    terminal.once('close', () => resolve(undefined)),
  );
  try {
    const answer = await Promise.race([terminal.question(question), closed]);
    if (answer === undefined) {
      // The cursor is still after the question: end its line before the refusal is printed.
      output.write(interrupted ? '^C\n' : '\n');
      return false;
    }
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    terminal.close();
  }
}
