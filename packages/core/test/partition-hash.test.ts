// The partition of a key is part of the stored data: producers in every process, version and
// language must pick the same one (docs/partitions.md, "Where a job goes"). These values are
// worked out by hand from the rule written there (FNV-1a over UTF-16 code units), not by the
// code under test, so a change to the hash fails here.
import { describe, expect, it } from 'vitest';
import { partitionOfKey } from '../src/partitions.js';

/** The whole 32-bit hash: modulo 2³² leaves it as it is. */
const hashOf = (key: string) => partitionOfKey(key, 2 ** 32);

describe('partitionOfKey', () => {
  it.each([
    ['', 0x811c9dc5, 5, 197],
    ['a', 0xe40c292c, 4, 44],
    ['c_42', 0xbb8ad911, 1, 17],
    ['customer-7', 0x104faef1, 1, 241],
    // Beyond ASCII, each UTF-16 code unit is one step (not each UTF-8 byte): FNV-1a of the
    // UTF-8 bytes of "é" would be 0x1e9de8c1.
    ['é', 0x6c0b6c44, 4, 68],
    ['Zoë', 0x7907a397, 7, 151],
    // U+1F600 is two code units, the surrogates 0xD83D and 0xDE00.
    ['😀', 0xcb31c4b8, 0, 184],
  ])('hashes %j to %i: partition %i of 8, %i of 256', (key, hash, of8, of256) => {
    expect(hashOf(key)).toBe(hash);
    expect(partitionOfKey(key, 8)).toBe(of8);
    expect(partitionOfKey(key, 256)).toBe(of256);
  });
});
