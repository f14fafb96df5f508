/** The daily low-stock report's email: its subject and plain-text body. */
import type { Product } from '../db/schema.js';

/** The shop's time zone, in which the report prints times (its schedule's `tz`). */
export const SHOP_TIME_ZONE = 'Europe/Berlin';

/**
 * A time as the shop's staff read it, in {@link SHOP_TIME_ZONE}, 24-hour.
 *
 * @example
 * shopTime(Date.UTC(2026, 11, 3, 6)); // '2026-12-03 07:00'
 */
export function shopTime(at: number | Date): string {
  // The sv-SE locale writes ISO-like dates and 24-hour times.
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: SHOP_TIME_ZONE,
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(at);
}

export function lowStockSubject(count: number, threshold: number): string {
  const what = count === 0 ? 'none' : count === 1 ? '1 product' : `${count} products`;
  return `Low stock: ${what} at or below ${threshold}`;
}

/** One line per product, in the given order, under a header line. */
export function lowStockText(products: readonly Product[], threshold: number, at: Date): string {
  if (products.length === 0) {
    return `No product has ${threshold} or fewer in stock (${shopTime(at)} ${SHOP_TIME_ZONE}).\n`;
  }
  const width = Math.max(3, ...products.map((product) => product.sku.length));
  return [
    `Products with ${threshold} or fewer in stock (${shopTime(at)} ${SHOP_TIME_ZONE}):`,
    '',
    `  ${'SKU'.padEnd(width)}  Stock  Product`,
    ...products.map(
      ({ sku, name, stock }) => `  ${sku.padEnd(width)}  ${String(stock).padStart(5)}  ${name}`,
    ),
    '',
  ].join('\n');
}
