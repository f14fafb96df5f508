import { describe, expect, it } from 'vitest';
import { connectionSettings } from '../src/connection-settings.js';
import { parseDuration, parseWaitSeconds } from '../src/durations.js';
import { parseInteger, parseJobId, parseQueueList, parseRedactPaths } from '../src/options.js';
import { formatDuration, renderTable } from '../src/output.js';

describe('connectionSettings', () => {
  it('prefers --redis, then REDIS_URL, then the default, and says which', () => {
    expect(connectionSettings({ redis: 'redis://a:1' }, { REDIS_URL: 'redis://b:2' })).toEqual({
      url: 'redis://a:1',
      prefix: 'conveyor',
      source: '--redis',
    });
    expect(connectionSettings({}, { REDIS_URL: 'redis://b:2' }).source).toBe('REDIS_URL');
    expect(connectionSettings({}, {})).toMatchObject({
      url: 'redis://127.0.0.1:6379',
      source: 'default',
    });
  });

  it('quotes a bad URL (masked) or prefix', () => {
    expect(() => connectionSettings({ redis: 'http://u:pw@x' }, {})).toThrow(
      'Invalid --redis "http://u:****@x": expected a redis:// or rediss:// URL.',
    );
    expect(() => connectionSettings({ prefix: 'a{b}' }, {})).toThrow('Invalid --prefix "a{b}"');
  });
});

describe('option parsers', () => {
  it('parse good values and quote bad ones', () => {
    expect(parseInteger('--concurrency', 1)('8')).toBe(8);
    expect(() => parseInteger('--concurrency', 1)('0')).toThrow(
      'Invalid --concurrency "0": expected an integer 1 or more.',
    );
    expect(() => parseInteger('--metrics-port', 0, 65_535)('1e3')).toThrow('from 0 to 65535');
    expect(parseQueueList('--queues')(' a, b ,a,')).toEqual(['a', 'b']);
    expect(() => parseQueueList('--queues')('a,b c')).toThrow('Invalid --queues "b c"');
    // Commander passes the earlier occurrences' value: a repeat adds to it.
    expect(parseQueueList('--queues')('b,c', ['a', 'b'])).toEqual(['a', 'b', 'c']);
    expect(parseRedactPaths(' card.number, ,**.cvv ')).toEqual(['card.number', '**.cvv']);
    expect(parseJobId('emails:abc')).toBe('emails:abc');
    expect(() => parseJobId('emails:')).toThrow('Invalid job id "emails:"');
    // What is wrong, when it can be told: the queue part, a workflow id, a pasted blob.
    expect(() => parseJobId('bad queue!:abc')).toThrow(
      'its queue part "bad queue!" is not a queue name (1–64 of A–Z',
    );
    expect(() => parseJobId(`${'q'.repeat(65)}:abc`)).toThrow('is not a queue name');
    expect(() => parseJobId('wf_mi9x0q2k3aXb7c9dE')).toThrow(
      'this is a workflow id: use conveyor workflows cancel|retry, or conveyor inspect',
    );
    // A name written like a partition's that is none says why.
    expect(() => parseQueueList('--queues')('emails~5of3')).toThrow(
      'Invalid --queues "emails~5of3": expected a queue name (1–64 of A–Z, a–z, 0–9, "_", "." and "-"), or a partition\'s, e.g. "emails~3of8"; there is no partition 5 of 3: the 3 partitions of emails are numbered 0 to 2.',
    );
    expect(() => parseJobId('emails~9of3:abc')).toThrow(
      'its queue part "emails~9of3" is not a queue name (1–64 of A–Z, a–z, 0–9, "_", "." and "-"), or a partition\'s, e.g. "emails~3of8"; there is no partition 9 of 3',
    );
    const blob = `x${'y'.repeat(4_999)}`;
    expect(() => parseJobId(blob)).toThrow(`"${blob.slice(0, 60)}… (5000 characters)"`);
  });
});

describe('output', () => {
  it('formats durations compactly', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(1_250)).toBe('1.3s');
    expect(formatDuration(184_000)).toBe('3m04s');
    expect(formatDuration(7_500_000)).toBe('2h05m');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d04h');
  });

  it('pads columns, right-aligning numbers', () => {
    const rows = [
      { queue: 'emails', waiting: 12 },
      { queue: 'reports-long', waiting: 3 },
    ];
    expect(
      renderTable(rows, [
        { header: 'QUEUE', value: (row) => row.queue },
        { header: 'WAITING', value: (row) => row.waiting },
      ]),
    ).toEqual(['QUEUE         WAITING', 'emails             12', 'reports-long        3']);
  });
});

describe('duration options (--delay, --time-limit, --lease-ms, --wait-for-broker, …)', () => {
  it('take a whole number in their own unit, or a number with ms, s, m, h or d', () => {
    const delay = parseDuration('--delay', 'ms', 0);
    expect(delay('1500')).toBe(1_500);
    expect(delay('250ms')).toBe(250);
    expect(delay('30s')).toBe(30_000);
    expect(delay('1.1s')).toBe(1_100);
    expect(delay('5m')).toBe(300_000);
    expect(delay('1.5h')).toBe(5_400_000);
    expect(delay('2 d')).toBe(172_800_000);
    const wait = parseDuration('--wait-for-broker', 's', 0);
    expect(wait('90')).toBe(90);
    expect(wait('2m')).toBe(120);
  });

  it('quote a bad value and say both forms', () => {
    const delay = parseDuration('--delay', 'ms', 0);
    expect(() => delay('1 hour')).toThrow(
      'Invalid --delay "1 hour": expected a whole number of milliseconds (0 or more), or a number with a unit: ms, s, m, h or d (e.g. 1500, 30s, 5m, 1h).',
    );
    expect(() => delay('-5s')).toThrow('Invalid --delay "-5s"');
    expect(() => delay('0.5ms')).toThrow(
      'Invalid --delay "0.5ms": expected a whole number of milliseconds: it is 0.5.',
    );
    expect(() => parseDuration('--lease-ms', 'ms', 1)('0s')).toThrow('(1 or more)');
    // Read, but too large: the range and the value, not the forms again.
    expect(() => delay('999999999d')).toThrow(
      /^Invalid --delay "999999999d": expected a whole number of milliseconds \(0 or more\): it is \d+ ms, over 9007199254740991\.$/,
    );
    expect(() => parseDuration('--wait-for-broker', 's', 0)('1500ms')).toThrow(
      'Invalid --wait-for-broker "1500ms": expected a whole number of seconds: it is 1.5.',
    );
    expect(() => parseDuration('--wait-for-broker', 's', 0)('2min')).toThrow(
      'or a number with a unit: ms, s, m, h or d (e.g. 90, 30s, 5m, 1h)',
    );
  });
});

describe('waits in seconds (--wait)', () => {
  const wait = parseWaitSeconds('--wait', ' (or --wait alone: no limit)');
  it('take seconds, fractions allowed, or a number with a unit', () => {
    expect(wait('30')).toBe(30);
    expect(wait('0.5')).toBe(0.5);
    expect(wait('2m')).toBe(120);
    expect(wait('1500ms')).toBe(1.5);
  });

  it('refuse 0, a negative or an unknown unit, saying both forms', () => {
    for (const bad of ['0', '0s', '-1', '2 minutes']) {
      expect(() => wait(bad)).toThrow(
        `Invalid --wait ${JSON.stringify(bad)}: expected seconds, a number above 0, or a number with a unit: ms, s, m, h or d (e.g. 0.5, 30s, 2m) (or --wait alone: no limit).`,
      );
    }
  });

  it('--watch takes whole seconds from 1 to 3600, or with a unit', () => {
    const watch = parseDuration('--watch', 's', 1, 3_600);
    expect(watch('5')).toBe(5);
    expect(watch('1m')).toBe(60);
    expect(() => watch('2h')).toThrow(
      'Invalid --watch "2h": expected a whole number of seconds (from 1 to 3600): it is 7200 s, over 3600.',
    );
    expect(() => watch('two')).toThrow(
      'Invalid --watch "two": expected a whole number of seconds (from 1 to 3600), or a number with a unit',
    );
  });
});
