import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const appDir = fileURLToPath(new URL('..', import.meta.url));

describe('pnpm demo (in-process)', () => {
  it('runs the order story to the end and reports what happened', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@conveyor/source', '--import', 'tsx', 'src/in-process-demo.ts'],
      { cwd: appDir, timeout: 60_000 },
    );
    // 3 orders x 3 tasks, each read back from its job handle.
    expect(stdout.match(/^ {2}shop\.\w+ +completed/gm)).toHaveLength(8);
    // Order 3 asks for 50 of 18 left: NonRetryableError, one attempt, reason kept.
    expect(stdout).toMatch(
      /shop\.updateInventory +failed +attempts=1 \(Insufficient stock for TEA-01: 50 ordered, 18 left \(order ord-1003\)\)/,
    );
    // The warehouse refuses every 3rd call; ctx.retry re-runs it.
    expect(stdout).toContain('Retries that happened: 1');
    expect(stdout).toMatch(/shop\.notifyWarehouse +completed +attempts=2/);
    expect(stdout).toContain('Stock after:  TEA-01=18, MUG-07=4');
    expect(stdout).toContain('Shipments recorded by the warehouse: ord-1001, ord-1002, ord-1003');
  });
});
