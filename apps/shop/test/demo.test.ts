/**
 * `pnpm demo --keep` in its fallback mode: no REDIS_URL and no redis-server (REDIS_SERVER_BIN
 * points at a missing binary), so it must say so plainly, run everything on the
 * in-memory broker in one process, keep the dashboard up until it is told to stop, then
 * finish with exit code 0 and leave no process behind. One process for all of it.
 * (CI runs `pnpm demo` itself in the private redis-server mode.)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));

describe('pnpm demo --keep without Redis', () => {
  it('falls back to the in-memory broker, says so, does the real work, and keeps the dashboard up until SIGTERM', async () => {
    const { REDIS_URL: _, DATABASE_URL: __, ...env } = process.env;
    const child = spawn(
      process.execPath,
      ['--conditions=@conveyor/source', '--import', 'tsx', 'src/demo/main.ts', '--keep'],
      { cwd: appDir, env: { ...env, REDIS_SERVER_BIN: '/nonexistent/redis-server' } },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.resume();
    const exited = once(child, 'exit');
    try {
      await vi.waitFor(() => expect(stdout).toContain('Ctrl-C stops everything.'), {
        timeout: 240_000,
        interval: 100,
      });
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    // --keep: the dashboard it names answers with the credentials it printed, and only then.
    const hint = /\n {2}dashboard {2}(http:\/\/\S+) \(user (\S+), password (\S+):/.exec(stdout);
    expect(hint).not.toBeNull();
    const [, adminUrl, user, password] = hint as unknown as [string, string, string, string];
    expect(stdout).toContain(`✓ dashboard     ${adminUrl} (user ${user}, password ${password}`);
    const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const queues = await fetch(`${adminUrl}/api/queues`, { headers: { authorization } });
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: Array<{ name: string }> }).queues.map(
      (queue) => queue.name,
    );
    expect(names).toContain('emails');
    expect((await fetch(`${adminUrl}/api/queues`)).status).toBe(401);
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(stdout).toContain('Stopped everything.');
    expect(stdout).toContain('Broker: the IN-MEMORY transport, in this one process');
    expect(stdout).toContain('"/nonexistent/redis-server" is not installed');
    expect(stdout).toMatch(/Emails to customers received by the mailbox \(13\):/);
    expect(stdout).toMatch(
      /to margaret\+[0-9a-f]{6}@example\.com +"Welcome to the Conveyor shop, Margaret Hamilton!"/,
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
