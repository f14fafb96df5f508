// Which palette colour each chart line gets: the same for a queue (or task) from one draw to
// the next, whatever other queues come and go.

import { PALETTE_SIZE } from './chart.js';

/** Slots handed out in this tab: a line keeps its colour while the page lives. */
const remembered = new Map<string, number>();

/** FNV-1a: a name's own slot, so that every tab (and a reload) starts from the same one. */
function nameSlot(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PALETTE_SIZE;
}

/**
 * A palette slot for each key (`queue:emails`, `task:emails/send`), distinct among them
 * while there are no more than the palette has. Colours were given by position, so a new queue
 * sorting first moved every other queue's colour. Now a key keeps the slot it had in this tab;
 * a new one takes its name's slot, or the next free one when another line has it.
 *
 * @example
 * seriesColours(['queue:emails', 'queue:orders']) // [5, 2], and the same after 'queue:audit' comes
 */
export function seriesColours(keys: readonly string[]): number[] {
  const taken = new Set<number>();
  const slots = new Map<string, number>();
  for (const key of keys) {
    const slot = remembered.get(key);
    if (slot !== undefined && !taken.has(slot)) {
      slots.set(key, slot);
      taken.add(slot);
    }
  }
  for (const key of [...keys].sort()) {
    if (slots.has(key)) continue;
    let slot = nameSlot(key);
    for (let i = 0; i < PALETTE_SIZE && taken.has(slot); i++) slot = (slot + 1) % PALETTE_SIZE;
    slots.set(key, slot);
    taken.add(slot);
    remembered.set(key, slot);
  }
  return keys.map((key) => slots.get(key) ?? 0);
}
