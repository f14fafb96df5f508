import { readdir, readFile, stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { checkFile, writeIfChanged } from '../src/write.js';
import { makeTree, type Tree } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

describe('writeIfChanged', () => {
  it('creates directories, leaves no temporary file, and does not touch an unchanged file', async () => {
    tree = await makeTree({});
    const file = tree.path('deep/er/out.ts');
    expect(await checkFile(file, 'a')).toBe('missing');
    expect(await writeIfChanged(file, 'a')).toBe('written');
    const first = await stat(file);
    expect(await writeIfChanged(file, 'a')).toBe('unchanged');
    expect((await stat(file)).ino).toBe(first.ino);
    expect(await checkFile(file, 'a')).toBe('fresh');
    expect(await checkFile(file, 'b')).toBe('stale');
    expect(await writeIfChanged(file, 'b')).toBe('written');
    // Renamed over the old file: a new inode, never a half-written one.
    expect((await stat(file)).ino).not.toBe(first.ino);
    expect(await readFile(file, 'utf8')).toBe('b');
    expect(await readdir(tree.path('deep/er'))).toEqual(['out.ts']);
  });
});
