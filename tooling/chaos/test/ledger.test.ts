import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, parseLine, readLedger } from '../src/ledger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-ledger-'));
  dirs.push(dir);
  return dir;
}

describe('ledger', () => {
  it('reads back the lines of every process file, in time order', () => {
    const dir = tempDir();
    const a = openLedger(dir, 'a');
    const b = openLedger(dir, 'b');
    a.write('enq', 'chaos:1', 0);
    b.write('start', 'chaos:1', 42, 1, 0);
    a.write('done', 'chaos:1', 42, 1);
    a.close();
    b.close();
    const entries = readLedger(dir);
    expect(entries.map((e) => e.kind).sort()).toEqual(['done', 'enq', 'start']);
    expect(entries.find((e) => e.kind === 'start')?.fields).toEqual(['chaos:1', '42', '1', '0']);
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i]?.t).toBeGreaterThanOrEqual(entries[i - 1]?.t ?? 0);
    }
  });

  it('keeps one field per value even when a value holds spaces', () => {
    const dir = tempDir();
    const ledger = openLedger(dir, 'x');
    ledger.write('enqfail', 7, 'Connection is closed');
    ledger.close();
    expect(readLedger(dir)[0]?.fields).toEqual(['7', 'Connection_is_closed']);
  });

  it('skips a torn last line, as a process killed mid-write leaves it', () => {
    const dir = tempDir();
    const ledger = openLedger(dir, 'w');
    ledger.write('done', 'chaos:2', 1, 1);
    ledger.close();
    appendFileSync(join(dir, 'w.log'), 'don');
    expect(readLedger(dir)).toHaveLength(1);
    expect(parseLine('')).toBeUndefined();
  });

  it('ignores writes after close', () => {
    const dir = tempDir();
    const ledger = openLedger(dir, 'c');
    ledger.close();
    ledger.write('enq', 'chaos:3', 0);
    expect(readLedger(dir)).toEqual([]);
  });
});
