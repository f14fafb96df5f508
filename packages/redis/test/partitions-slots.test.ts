import { partitionName, partitionNames } from '@conveyor/core/transport';
import { describe, expect, it } from 'vitest';
import {
  finishChannel,
  indexedFieldsKey,
  markerKey,
  queueKeys,
  scheduleSpecsKey,
  schedulesKey,
} from '../src/keys.js';
import { metricsKeys } from '../src/metrics.js';
import { crc16, keySlot, queueHashTag, queueSlot, SLOT_COUNT } from '../src/slots.js';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('hash slots', () => {
  it('CRC16 is XMODEM and slots are the ones Redis Cluster computes', () => {
    expect(crc16(ascii('123456789'))).toBe(0x31c3);
    // The examples of Redis' CLUSTER KEYSLOT documentation.
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('foo{hash_tag}')).toBe(2515);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    // An empty tag does not count: the whole key is hashed.
    expect(keySlot('foo{}{bar}')).toBe(crc16(ascii('foo{}{bar}')) % SLOT_COUNT);
  });
});

describe('partition hash tags', () => {
  it('keep `{queue}` for a plain queue: no stored key moves', () => {
    expect(queueHashTag('emails')).toBe('{emails}');
    expect(queueKeys('conveyor', 'emails')[0]).toBe('conveyor:{emails}:j:');
    expect(markerKey('conveyor', 'emails')).toBe('conveyor:{emails}:marker');
    expect(metricsKeys('conveyor', 'emails').totals).toBe('conveyor:{emails}:mt');
  });

  it('put the partitions of 3 in the three thirds of the slots', () => {
    const slots = partitionNames('emails', 3).map(queueSlot);
    slots.forEach((slot, p) => {
      expect(slot).toBeGreaterThanOrEqual((p * SLOT_COUNT) / 3);
      expect(slot).toBeLessThan(((p + 1) * SLOT_COUNT) / 3);
    });
  });

  it('put each of n partitions in its own 1/n of the slots, near the middle', () => {
    for (const queue of ['emails', 'a', 'orders.eu-west_2']) {
      for (const n of [2, 8, 10, 256]) {
        const share = SLOT_COUNT / n;
        partitionNames(queue, n).forEach((name, p) => {
          const slot = queueSlot(name);
          // Within a quarter share (at most 32 slots) of the middle of its share.
          expect(Math.abs(slot - (p + 0.5) * share)).toBeLessThanOrEqual(
            Math.min(32, share / 4) + 1,
          );
        });
      }
    }
  });

  it('spread 8 partitions evenly over 3 evenly split masters (3, 3, 2)', () => {
    const perMaster = [0, 0, 0];
    for (const name of partitionNames('emails', 8)) {
      const master = Math.floor((queueSlot(name) * 3) / SLOT_COUNT);
      perMaster[master] = (perMaster[master] ?? 0) + 1;
    }
    expect(perMaster.sort()).toEqual([2, 3, 3]);
  });

  it('are the same on every call and in every process (the layout is pinned)', () => {
    const first = partitionNames('emails', 3).map(queueHashTag);
    expect(partitionNames('emails', 3).map(queueHashTag)).toEqual(first);
    // Stored keys live under these tags: a change to the search would orphan them.
    expect(first).toEqual(['{emails~0of3~4b}', '{emails~1of3~1v}', '{emails~2of3~q}']);
  });

  it('are distinct from each other and from any queue name', () => {
    const names = ['emails', ...partitionNames('emails', 2), ...partitionNames('emails', 64)];
    const tags = names.map(queueHashTag);
    expect(new Set(tags).size).toBe(names.length);
    // A tag's content is never a stored queue name (a partition's holds a second `~`).
    for (const tag of tags.slice(1)) expect(tag.split('~')).toHaveLength(3);
  });

  it("put every key of a partition in the partition's slot", () => {
    const queue = partitionName('emails', 5, 8);
    const slot = queueSlot(queue);
    const keys = [
      ...queueKeys('conveyor', queue),
      schedulesKey('conveyor', queue),
      scheduleSpecsKey('conveyor', queue),
      markerKey('conveyor', queue),
      finishChannel('conveyor', queue),
      indexedFieldsKey('conveyor', queue),
      metricsKeys('conveyor', queue).totals,
      metricsKeys('conveyor', queue).minute(29_000_000),
    ];
    for (const key of keys) expect(keySlot(key)).toBe(slot);
    expect(keys[0]).toMatch(/^conveyor:\{emails~5of8~[0-9a-z]+\}:j:$/);
  });
});
