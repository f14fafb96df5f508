import { describe, expect, it } from 'vitest';
import {
  assertQueueName,
  checkEnvelope,
  ENVELOPE_VERSION,
  type JobEnvelope,
  parseEnvelope,
  quote,
  serializeEnvelope,
} from '../src/envelope.js';
import { InvalidEnvelopeError, NotJsonError, PayloadTooLargeError } from '../src/errors.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../src/payload-size.js';

function envelope(overrides: Partial<JobEnvelope> = {}): JobEnvelope {
  return {
    v: 1,
    id: 'emails:m3x0q2k18f2a9c7d4e1b',
    task: 'shop.sendWelcomeEmail',
    queue: 'emails',
    input: { email: 'ada@example.com', tags: ['new', 'vip'], count: 2, ok: true, none: null },
    attempt: 0,
    maxAttempts: 3,
    priority: 5,
    enqueuedAt: 1_764_000_000_000,
    ...overrides,
  };
}

function invalidEnvelope(run: () => unknown): InvalidEnvelopeError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
    expect((error as InvalidEnvelopeError).code).toBe('INVALID_ENVELOPE');
    return error as InvalidEnvelopeError;
  }
  throw new Error('expected an InvalidEnvelopeError, but nothing was thrown');
}

describe('serializeEnvelope / parseEnvelope', () => {
  it('round-trips an envelope with every optional field', () => {
    const original = envelope({
      idempotencyKey: 'order-42',
      expiresAt: 1_764_000_060_000,
      schema: 'sha256:abc',
    });
    const text = serializeEnvelope(original);
    expect(text).toBe(JSON.stringify(original));
    expect(parseEnvelope(text)).toEqual(original);
  });

  it('round-trips unicode, including lone surrogates, in the input', () => {
    const original = envelope({ input: { name: 'Zoë 🚀', broken: '\uD800' } });
    expect(parseEnvelope(serializeEnvelope(original))).toEqual(original);
  });

  it('sends a Date in the input as its ISO string', () => {
    const at = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));
    const text = serializeEnvelope(envelope({ input: { at } as never }));
    expect(parseEnvelope(text).input).toEqual({ at: '2025-01-02T03:04:05.000Z' });
  });

  it('is version 1', () => {
    expect(ENVELOPE_VERSION).toBe(1);
    expect(JSON.parse(serializeEnvelope(envelope())).v).toBe(1);
  });

  it('rejects an input JSON cannot carry, naming the input path', () => {
    const error = (() => {
      try {
        serializeEnvelope(envelope({ input: { when: 1n } as never }));
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(NotJsonError);
    expect((error as NotJsonError).path).toBe('input.when');
  });
});

describe('payload limit', () => {
  it('defaults to 512 KiB', () => {
    expect(DEFAULT_MAX_PAYLOAD_BYTES).toBe(524_288);
  });

  it('accepts a payload exactly at the limit', () => {
    const text = serializeEnvelope(envelope());
    const bytes = Buffer.byteLength(text, 'utf8');
    expect(serializeEnvelope(envelope(), bytes)).toBe(text);
  });

  it('rejects one byte over with PayloadTooLargeError: code, bytes, limit and what to do', () => {
    const bytes = Buffer.byteLength(serializeEnvelope(envelope()), 'utf8');
    let error: unknown;
    try {
      serializeEnvelope(envelope(), bytes - 1);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    const tooLarge = error as PayloadTooLargeError;
    expect(tooLarge.code).toBe('PAYLOAD_TOO_LARGE');
    expect(tooLarge.bytes).toBe(bytes);
    expect(tooLarge.limit).toBe(bytes - 1);
    expect(tooLarge.message).toContain('"shop.sendWelcomeEmail"');
    expect(tooLarge.message).toContain(`${bytes} bytes, over the ${bytes - 1}-byte limit`);
    expect(tooLarge.message).toContain('Store large data elsewhere');
    expect(tooLarge.message).toContain('raise maxPayloadBytes');
  });

  it('counts UTF-8 bytes, not UTF-16 code units', () => {
    const wide = envelope({ input: '€'.repeat(100) });
    const text = JSON.stringify(wide);
    const bytes = Buffer.byteLength(text, 'utf8');
    expect(bytes).toBe(text.length + 200);
    expect(() => serializeEnvelope(wide, text.length)).toThrow(PayloadTooLargeError);
    expect(serializeEnvelope(wide, bytes)).toBe(text);
  });

  it('enforces the default limit', () => {
    const big = envelope({ input: 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES) });
    expect(() => serializeEnvelope(big)).toThrow(PayloadTooLargeError);
  });
});

describe('parseEnvelope rejections', () => {
  it('rejects text that is not JSON, quoting it and keeping the parse error as cause', () => {
    const error = invalidEnvelope(() => parseEnvelope('{"v":1,'));
    expect(error.message).toBe('Job payload is not JSON: "{\\"v\\":1,"');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it.each(['[]', 'null', '42', '"text"'])('rejects %s, which is not an object', (text) => {
    const error = invalidEnvelope(() => parseEnvelope(text));
    expect(error.message).toBe(`Job payload is not an object: ${JSON.stringify(text)}`);
  });

  it('rejects another envelope version, saying what to do and quoting the payload', () => {
    const text = JSON.stringify({ v: 2, id: 'emails:1', task: 'shop.sendWelcomeEmail' });
    const error = invalidEnvelope(() => parseEnvelope(text));
    expect(error.message).toContain('Unsupported job envelope version 2');
    expect(error.message).toContain('this Conveyor reads version 1');
    expect(error.message).toContain('upgrade the worker or re-enqueue the job');
    expect(error.message).toContain(`Payload: ${JSON.stringify(text)}`);
  });

  it('rejects a missing version, and the version as a string', () => {
    const { v: _v, ...rest } = envelope();
    expect(invalidEnvelope(() => parseEnvelope(JSON.stringify(rest))).message).toContain(
      'version undefined',
    );
    const text = JSON.stringify({ ...envelope(), v: '1' });
    expect(invalidEnvelope(() => parseEnvelope(text)).message).toContain('version "1"');
  });

  it('lists every missing or invalid field and quotes the payload', () => {
    const text = JSON.stringify({ v: 1, id: '', task: 7, attempt: '1', priority: 5 });
    const error = invalidEnvelope(() => parseEnvelope(text));
    expect(error.message).toBe(
      `Job envelope has missing or invalid field(s) id, task, queue, attempt, maxAttempts, enqueuedAt, input: ${JSON.stringify(text)}`,
    );
  });

  it('accepts a null input but not a missing one', () => {
    expect(parseEnvelope(JSON.stringify(envelope({ input: null }))).input).toBeNull();
    const { input: _input, ...rest } = envelope();
    expect(invalidEnvelope(() => parseEnvelope(JSON.stringify(rest))).message).toMatch(
      /invalid field\(s\) input:/,
    );
  });

  it('truncates a huge payload in the message to 200 characters and says how long it was', () => {
    const text = JSON.stringify({ ...envelope(), v: 9, input: 'y'.repeat(100_000) });
    const error = invalidEnvelope(() => parseEnvelope(text));
    expect(error.message.length).toBeLessThan(500);
    expect(error.message).toContain(
      `Payload: ${JSON.stringify(`${text.slice(0, 200)}… (${text.length} chars)`)}`,
    );
    const notJson = invalidEnvelope(() => parseEnvelope(`{${'z'.repeat(50_000)}`));
    expect(notJson.message.length).toBeLessThan(500);
    expect(notJson.message).toContain('(50001 chars)');
  });

  it('does not pollute Object.prototype through a "__proto__" key', () => {
    const text = `{"v":1,"id":"q:1","task":"t","queue":"q","input":{"__proto__":{"polluted":1}},"attempt":1,"maxAttempts":3,"priority":5,"enqueuedAt":0,"__proto__":{"polluted":2}}`;
    const parsed = parseEnvelope(text);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(parsed.input)).toBe(Object.prototype);
    expect(Object.keys(parsed.input as object)).toEqual(['__proto__']);
    // It is serialized back as the same own key, not dropped.
    expect(JSON.parse(serializeEnvelope(parsed))).toEqual(JSON.parse(text));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects optional fields of the wrong type', () => {
    for (const field of [{ idempotencyKey: 42 }, { expiresAt: 'tomorrow' }, { schema: ['sha'] }]) {
      const text = JSON.stringify({ ...envelope(), ...field });
      const error = invalidEnvelope(() => parseEnvelope(text));
      expect(error.message).toContain(Object.keys(field)[0]);
    }
  });
});

describe('checkEnvelope', () => {
  it('returns an already-parsed envelope unchanged', () => {
    const value = envelope();
    expect(checkEnvelope(value)).toBe(value);
  });

  it('quotes the value itself when no raw text is given', () => {
    const error = invalidEnvelope(() => checkEnvelope({ v: 1, id: 'q:1' }));
    expect(error.message).toContain('"{\\"v\\":1,\\"id\\":\\"q:1\\"}"');
  });

  it.each([0, -2, 1.5])(
    'rejects maxAttempts %j: a job gets at least one delivery',
    (maxAttempts) => {
      const error = invalidEnvelope(() => checkEnvelope(envelope({ maxAttempts })));
      expect(error.message).toContain('maxAttempts (a whole number of at least 1)');
    },
  );

  it('copes with a value that cannot be stringified', () => {
    const cyclic: Record<string, unknown> = { v: 3 };
    cyclic.self = cyclic;
    expect(invalidEnvelope(() => checkEnvelope(cyclic)).message).toContain('[object Object]');
  });
});

describe('queue names and job ids', () => {
  it.each(['default', 'emails', 'a', 'q'.repeat(64), 'A-Z_a.z-09'])('accepts %s', (queue) => {
    expect(() => assertQueueName(queue)).not.toThrow();
  });

  it.each(['', 'q'.repeat(65), 'has space', 'colon:inside', 'brace{tag}', 'ünï'])(
    'rejects %j, quoting it',
    (queue) => {
      expect(() => assertQueueName(queue)).toThrow(`Invalid queue name ${JSON.stringify(queue)}`);
    },
  );

  it('rejects a queue that is not a string, instead of testing its string form', () => {
    expect(() => assertQueueName(123 as never)).toThrow(InvalidEnvelopeError);
  });

  it('quote leaves short text whole and cuts long text', () => {
    expect(quote('abc')).toBe('"abc"');
    expect(quote('abcdef', 3)).toBe('"abc… (6 chars)"');
  });
});
