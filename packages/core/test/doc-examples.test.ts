// The examples in the docs and READMEs are what users copy: option names that do not exist
// there are refused at run time (INVALID_OPTION), so a wrong one in a doc is a bug report
// waiting to happen.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** docs/**\/*.md and every README.md outside node_modules and dist. */
function markdownFiles(dir = root): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) {
      continue;
    }
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...markdownFiles(path));
    else if (entry.name === 'README.md' || (entry.name.endsWith('.md') && isUnderDocs(path))) {
      found.push(path);
    }
  }
  return found;
}

const isUnderDocs = (path: string) => relative(root, path).split(/[\\/]/)[0] === 'docs';

/**
 * The shop's low-stock report input (apps/shop/src/tasks/send-low-stock-report.ts), which
 * the schedule examples use; the test checks the shop still declares it so.
 */
const SHOP_REPORT_INPUT =
  'input: z.object({ threshold: z.number().int().nonnegative(), to: z.email() })';
const shopReportInput = z.object({ threshold: z.number().int().nonnegative(), to: z.email() });

/** `file:line: input` of each `input: {…}` of a schedule example of `sendLowStockReport`. */
function lowStockReportInputs(): Array<{ at: string; input: string }> {
  const inputs: Array<{ at: string; input: string }> = [];
  for (const file of markdownFiles()) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (!/^\s*task: sendLowStockReport\b/.test(line)) return;
      // The example's input, within its defineSchedule call.
      for (const next of lines.slice(index + 1, index + 8)) {
        if (/^\s*\}\)/.test(next)) break;
        const input = /^\s*input: (\{.*\}),/.exec(next)?.[1];
        if (input !== undefined) {
          inputs.push({ at: `${relative(root, file)}:${index + 1}`, input });
          break;
        }
      }
    });
  }
  return inputs;
}

/** `file:line: text` of each line matching `pattern`. */
function linesMatching(pattern: RegExp): string[] {
  const hits: string[] = [];
  for (const file of markdownFiles()) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (pattern.test(line)) hits.push(`${relative(root, file)}:${index + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

describe('doc examples', () => {
  it('finds the docs', () => {
    const files = markdownFiles().map((file) => relative(root, file));
    expect(files).toContain('README.md');
    expect(files).toContain('docs/workflows.md');
    expect(files).toContain('packages/core/README.md');
  });

  // A handle's `result()` takes `timeout` (ms to wait); `timeoutMs` is the start option.
  it('pass result() a timeout, not timeoutMs', () => {
    expect(linesMatching(/result\(\{[^}]*\btimeoutMs\b/)).toEqual([]);
  });

  it("give the shop's low-stock report an input its task takes", () => {
    const shop = readFileSync(join(root, 'apps/shop/src/tasks/send-low-stock-report.ts'), 'utf8');
    expect(shop).toContain(SHOP_REPORT_INPUT);
    const inputs = lowStockReportInputs();
    expect(inputs.length).toBeGreaterThanOrEqual(4);
    const refused = inputs.filter(({ input }) => {
      const value: unknown = new Function(`return (${input});`)();
      return !shopReportInput.safeParse(value).success;
    });
    expect(refused).toEqual([]);
  });
});
