/**
 * A one-line progress bar. On a terminal it redraws in place; in a log (CI) it prints
 * a line at each quarter, so the output stays readable.
 */
export interface Progress {
  tick(count?: number): void;
  done(): void;
}

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stdout,
): Progress {
  let current = 0;
  let lastQuarter = -1;
  const width = 30;
  const render = () => {
    const ratio = total === 0 ? 1 : current / total;
    if (stream.isTTY) {
      const filled = Math.round(ratio * width);
      stream.write(
        `\r  ${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${current}/${total}`,
      );
      return;
    }
    const quarter = Math.floor(ratio * 4);
    if (quarter !== lastQuarter) {
      lastQuarter = quarter;
      stream.write(`  ${label}: ${current}/${total}\n`);
    }
  };
  render();
  return {
    tick(count = 1) {
      current = Math.min(total, current + count);
      render();
    },
    done() {
      current = total;
      render();
      if (stream.isTTY) stream.write('\n');
    },
  };
}
