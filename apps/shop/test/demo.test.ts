/**
 * `pnpm demo` in its fallback mode: no REDIS_URL and no redis-server (REDIS_SERVER_BIN
 * points at a missing binary), so it must say so plainly, run everything on the
 * in-memory broker in one process, finish with exit code 0 and leave no process behind.
 * (CI runs `pnpm demo` itself in the private redis-server mode.)
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const appDir = fileURLToPath(new URL('..', import.meta.url));

describe('pnpm demo without Redis', () => {
  it('falls back to the in-memory broker, says so, and still does the real work', async () => {
    const { REDIS_URL: _, DATABASE_URL: __, ...env } = process.env;
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@conveyor/source', '--import', 'tsx', 'src/demo/main.ts'],
      {
        cwd: appDir,
        env: { ...env, REDIS_SERVER_BIN: '/nonexistent/redis-server' },
        timeout: 240_000,
      },
    );
    expect(stdout).toContain('Broker: the IN-MEMORY transport, in this one process');
    expect(stdout).toContain('"/nonexistent/redis-server" is not installed');
    expect(stdout).toMatch(/Emails to customers received by the mailbox \(13\):/);
    expect(stdout).toMatch(
      /to margaret@example\.com +"Welcome to the Conveyor shop, Margaret Hamilton!"/,
    );
    expect(stdout).toMatch(/POT-02 +3 → +1 {2}Cast-iron teapot/);
    // Each order's workflow: 11 fulfilled with their shipment, the 12th refused for stock.
    expect(
      stdout.match(/^ {2}ord_\w+ +\S+@example\.com +fulfilled +shipment shp_\d{4}$/gm),
    ).toHaveLength(11);
    const refused = stdout.match(
      /^ {2}(ord_\w+) +edsger@example\.com +rejected +Insufficient stock for POT-02: 5 ordered, 1 left/m,
    )?.[1];
    expect(refused).toBeDefined();
    expect(stdout).toMatch(/Shipments recorded by the warehouse \(11\):/);
    expect(stdout).not.toContain(`←${refused}`);
    expect(stdout).toContain(`to edsger@example.com     "Order ${refused} is out of stock"`);
    expect(stdout).not.toContain(`"Order ${refused} confirmed"`);
    expect(stdout).toContain(
      `${refused}: 0 shipments, 0 confirmations, out-of-stock email: "Order ${refused} is out of stock"`,
    );
    expect(stdout).toMatch(
      /workflow compensated: reserve failed \(1\), ship cancelled, confirm cancelled, fulfil cancelled, reject completed \(1\)/,
    );
    expect(stdout).toMatch(
      /shop\.notifyWarehouse .*→ \{"shipmentId":"shp_\d{4}","replayed":true\}/,
    );
    // The daily low-stock report, run now: the schedule stored by the workers, the email received.
    expect(stdout).toMatch(/next runs \d{4}-\d\d-\d\d 07:00, \d{4}-\d\d-\d\d 07:00, /);
    expect(stdout).toMatch(
      /to stock@shop\.conveyor\.local: "Low stock: 1 product at or below 5"\n.*\n\n.*SKU +Stock +Product\n +POT-02 +1 +Cast-iron teapot\n/,
    );
    expect(stdout).not.toContain('Something is wrong');
  });
});
