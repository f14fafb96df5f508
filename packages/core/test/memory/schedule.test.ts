import { describe, expect, it } from 'vitest';
import { createSchedule, type Schedule } from '../../src/memory/schedule.js';

function drain<T>(schedule: Schedule<T>): T[] {
  const values: T[] = [];
  for (let entry = schedule.pop(); entry; entry = schedule.pop()) values.push(entry.value);
  return values;
}

describe('schedule', () => {
  it('pops in due order', () => {
    const schedule = createSchedule<string>();
    schedule.add('c', 30);
    schedule.add('a', 10);
    schedule.add('b', 20);
    expect(schedule.peek()?.value).toBe('a');
    expect(drain(schedule)).toEqual(['a', 'b', 'c']);
  });

  it('keeps insertion order among equal due times', () => {
    const schedule = createSchedule<number>();
    for (let i = 0; i < 50; i++) schedule.add(i, i % 2 === 0 ? 100 : 50);
    const odd = Array.from({ length: 25 }, (_, i) => 2 * i + 1);
    const even = Array.from({ length: 25 }, (_, i) => 2 * i);
    expect(drain(schedule)).toEqual([...odd, ...even]);
  });

  it('removes entries anywhere in the heap, once', () => {
    const schedule = createSchedule<number>();
    const entries = [5, 3, 8, 1, 9, 2, 7].map((due) => schedule.add(due, due));
    expect(schedule.remove(entries[2] as (typeof entries)[number])).toBe(true);
    expect(schedule.remove(entries[2] as (typeof entries)[number])).toBe(false);
    expect(schedule.remove(entries[3] as (typeof entries)[number])).toBe(true);
    expect(schedule.size).toBe(5);
    expect(drain(schedule)).toEqual([2, 3, 5, 7, 9]);
  });

  it('rejects an entry that was popped or belongs to another schedule', () => {
    const one = createSchedule<string>();
    const other = createSchedule<string>();
    const a = one.add('a', 1);
    other.add('x', 1);
    expect(other.remove(a)).toBe(false);
    one.pop();
    expect(one.remove(a)).toBe(false);
  });

  it('matches a sorted model under random adds and removes', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const schedule = createSchedule<number>();
    const live = new Map<number, ReturnType<typeof schedule.add>>();
    for (let i = 0; i < 2_000; i++) {
      if (live.size > 0 && random() < 0.3) {
        const keys = [...live.keys()];
        const key = keys[Math.floor(random() * keys.length)] as number;
        expect(schedule.remove(live.get(key) as ReturnType<typeof schedule.add>)).toBe(true);
        live.delete(key);
      } else {
        live.set(i, schedule.add(i, Math.floor(random() * 100)));
      }
    }
    const expected = [...live.values()]
      .sort((a, b) => a.dueAt - b.dueAt || a.value - b.value)
      .map((entry) => entry.value);
    expect(drain(schedule)).toEqual(expected);
  });
});
