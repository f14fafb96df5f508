import { describe, expect, it } from 'vitest';
import { type JobEnvelope, serializeEnvelope, serializeInput } from '../src/envelope.js';
import { NotJsonError, PayloadTooLargeError } from '../src/errors.js';

// serializeInput skips serializing the whole envelope while a bound on its size stays under
// the limit: it must throw exactly when serializeEnvelope does, with the same figures.

function envelope(input: unknown, overrides: Partial<JobEnvelope> = {}): JobEnvelope {
  return {
    v: 1,
    id: 'emails:m3x0q2k18f2a9c7d4e1b',
    task: 'shop.sendWelcomeEmail',
    queue: 'emails',
    input: input as JobEnvelope['input'],
    attempt: 0,
    maxAttempts: 3,
    priority: 5,
    enqueuedAt: 1_764_000_000_000,
    ...overrides,
  };
}

function outcome(run: () => string): string | { bytes: number; limit: number } {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof PayloadTooLargeError)) throw error;
    return { bytes: error.bytes, limit: error.limit };
  }
}

describe('serializeInput', () => {
  it('returns the input JSON', () => {
    expect(serializeInput(envelope({ a: [1, 'x'] }))).toEqual({
      inputJson: '{"a":[1,"x"]}',
      exact: true,
    });
  });

  it('throws PayloadTooLargeError exactly when serializeEnvelope does, at every limit', () => {
    const inputs = [
      'plain',
      'é ü 😀 \u0000 "quote" \\',
      '\ud800 lone surrogate',
      { list: [1, null] },
    ];
    const extras: Array<Partial<JobEnvelope>> = [
      {},
      { idempotencyKey: 'ключ\n', schema: 'sha256:ab', expiresAt: 1.5e12 + 0.25 },
    ];
    for (const input of inputs) {
      for (const extra of extras) {
        const job = envelope(input, extra);
        const exact = Buffer.byteLength(serializeEnvelope(job), 'utf8');
        for (const limit of [exact - 1, exact, exact + 1, exact * 4]) {
          const expected = outcome(() => {
            serializeEnvelope(job, limit);
            return JSON.stringify(input);
          });
          expect(outcome(() => serializeInput(job, limit).inputJson)).toEqual(expected);
        }
      }
    }
  });

  it('names the bad path in NotJsonError, as before', () => {
    expect(() => serializeInput(envelope({ list: [1, Number.NaN] }))).toThrow(NotJsonError);
    expect(() => serializeInput(envelope({ list: [1, Number.NaN] }))).toThrow('input.list[1]');
  });
});
