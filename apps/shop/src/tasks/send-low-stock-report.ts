import { defineSchedule, defineTask } from '@conveyor/core';
import { z } from 'zod';
import { lowStockProducts } from '../db/low-stock.js';
import { lowStockSubject, lowStockText } from '../mail/low-stock-report.js';
import { database, mail } from '../services.js';

/**
 * Emails the products at or below `threshold` in stock, read from the inventory in
 * PostgreSQL, over the same SMTP path as the order confirmations. The schedule below
 * runs it every morning; `conveyor schedules run-now shop.lowStockReport` runs it now.
 */
export const sendLowStockReport = defineTask({
  name: 'shop.sendLowStockReport',
  input: z.object({ threshold: z.number().int().nonnegative(), to: z.email() }),
  output: z.object({
    to: z.string(),
    messageId: z.string(),
    products: z.array(z.object({ sku: z.string(), name: z.string(), stock: z.number().int() })),
  }),
  queue: 'emails',
  // Behind order confirmations (8) and welcome emails (6): nobody waits on it.
  priority: 3,
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 1_000, maxDelay: 30_000 } },
  timeout: 30_000,
  async run({ threshold, to }, ctx) {
    const products = await lowStockProducts(database(), threshold);
    const sent = await mail().send({
      to,
      subject: lowStockSubject(products.length, threshold),
      text: lowStockText(products, threshold, new Date()),
      headers: { 'X-Shop-Report': 'low-stock' },
      // Stable per job: a retry after a lost SMTP reply can be dropped as a duplicate.
      messageId: `<low-stock-${encodeURIComponent(ctx.jobId)}@shop.conveyor.local>`,
    });
    ctx.logger.info({ to, threshold, low: products.length }, 'low-stock report sent');
    return { to, messageId: sent.messageId, products };
  },
});

/**
 * Celery beat's `crontab(hour=7, minute=0)`: every day at 07:00 in Berlin, whatever the
 * daylight-saving time (06:00Z in winter, 05:00Z in summer). Every worker that runs the
 * shop's tasks ticks it; each morning's report is sent once however many do.
 */
export const lowStockReport = defineSchedule({
  id: 'shop.lowStockReport',
  task: sendLowStockReport,
  cron: '0 7 * * *',
  tz: 'Europe/Berlin',
  input: { threshold: 5, to: 'stock@shop.conveyor.local' },
});
