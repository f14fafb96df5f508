import { parsePartitionName } from '@conveyor/core/transport';

/**
 * Redis Cluster hash slots, and the hash tag each stored queue's keys carry. A plain queue's
 * tag is `{<queue>}`. A partition's tag is `{<partition>~<salt>}`, the salt chosen so that
 * partition p of n lands near slot (p + 0.5) × 16384 / n: n partitions on a cluster whose
 * masters split the slots evenly (as `redis-cli --cluster create` does) spread over the
 * masters, one each when there are n masters. `~` is in no queue name and once in a
 * partition's, so no two stored queues share a tag.
 */

/** Hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16_384;

/** Widest distance from its target slot a partition's tag may land. */
const MAX_SLOT_DISTANCE = 32;

let table: Uint16Array | undefined;

/**
 * CRC16/XMODEM (polynomial 0x1021, initial 0), the checksum Redis Cluster hashes keys with;
 * `crc` continues the checksum of bytes before these.
 */
export function crc16(bytes: Uint8Array, crc = 0): number {
  table ??= crcTable();
  for (const byte of bytes)
    crc = ((crc << 8) ^ (table[((crc >> 8) ^ byte) & 0xff] as number)) & 0xffff;
  return crc;
}

function crcTable(): Uint16Array {
  const built = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    built[byte] = crc & 0xffff;
  }
  return built;
}

const encoder = new TextEncoder();

/**
 * The slot Redis Cluster puts `key` in: CRC16 of its hash tag (between the first `{` and
 * the next `}`, when not empty), else of the whole key, modulo 16384.
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(encoder.encode(key)) % SLOT_COUNT;
}

/** The slot partition `partition` of `partitions` aims at: the middle of its share of the slots. */
export function targetSlot(partition: number, partitions: number): number {
  return Math.floor(((partition + 0.5) * SLOT_COUNT) / partitions);
}

/**
 * How far from its target a partition's slot may be: a quarter of its share of the slots,
 * at most {@link MAX_SLOT_DISTANCE}. Narrow, so that with masters that split the slots
 * evenly a partition is on the master its target is on.
 */
function slotDistance(partitions: number): number {
  return Math.max(1, Math.min(MAX_SLOT_DISTANCE, Math.floor(SLOT_COUNT / (4 * partitions))));
}

/** Partitions' tags found so far; cleared when full (names can come from job ids anyone sends). */
const tags = new Map<string, string>();
const MAX_CACHED_TAGS = 10_000;

/**
 * The hash tag, braces included, of every key of the stored queue `queue`: `{emails}` for
 * a queue, `{emails~3of8~<salt>}` for a partition. The salt is the first of 0, 1, 2, … in
 * base 36 whose tag's slot is within the partition's distance of its target: the same in
 * every process and version (changing the search would move every partition's keys).
 */
export function queueHashTag(queue: string): string {
  const known = tags.get(queue);
  if (known !== undefined) return known;
  const partition = parsePartitionName(queue);
  if (!partition) return `{${queue}}`;
  const tag = `{${queue}~${saltOf(queue, partition.partition, partition.partitions)}}`;
  if (tags.size >= MAX_CACHED_TAGS) tags.clear();
  tags.set(queue, tag);
  return tag;
}

/** The salt of partition `partition` of `partitions`, named `queue` (see {@link queueHashTag}). */
function saltOf(queue: string, partition: number, partitions: number): string {
  const target = targetSlot(partition, partitions);
  const distance = slotDistance(partitions);
  // About SLOT_COUNT / (2 × distance + 1) tries, each a few bytes on the name's checksum.
  const named = crc16(encoder.encode(`${queue}~`));
  const lookup = table as Uint16Array;
  for (let salt = 0; ; salt++) {
    const text = salt.toString(36);
    let crc = named;
    // Base 36 is ASCII: a character is its byte.
    for (let i = 0; i < text.length; i++) {
      crc = ((crc << 8) ^ (lookup[((crc >> 8) ^ text.charCodeAt(i)) & 0xff] as number)) & 0xffff;
    }
    if (Math.abs((crc % SLOT_COUNT) - target) <= distance) return text;
  }
}

/**
 * The Redis Cluster slot that holds every key of the stored queue `queue` (a queue or a
 * partition's name, `emails~3of8`).
 *
 * @example
 * queueSlot('emails~0of3'); // near 2730, the middle of the first third of the slots
 */
export function queueSlot(queue: string): number {
  return keySlot(queueHashTag(queue));
}
