import type { JobEnvelope } from './envelope.js';
import { InvalidOptionError, PayloadTooLargeError } from './errors.js';
import { assertJsonValue } from './json.js';
import type { EnqueueRequest } from './transport.js';

/**
 * Default cap on a job's serialized envelope, in UTF-8 bytes: 512 KiB. The client, both
 * built-in transports (at enqueue) and the worker (on the stored input) apply it. Large
 * data belongs in a database or object store.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 512 * 1024;

/** Default cap on a job's result JSON, in UTF-8 bytes: 512 KiB, as for payloads. */
export const DEFAULT_MAX_RESULT_BYTES = 512 * 1024;

/** Throws {@link InvalidOptionError} unless `value` is a byte cap: a positive integer. */
export function assertByteLimit(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(option, value, 'a number of bytes (a positive integer)');
  }
}

/**
 * The UTF-8 size of `text` when it is over `limit` bytes, else undefined. Text that cannot
 * be over (a UTF-16 unit takes at most 3 bytes) is not measured, so the usual small
 * payload costs a multiplication.
 */
export function utf8SizeOver(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : undefined;
}

/**
 * Throws {@link PayloadTooLargeError} when `envelope`, serialized with `inputJson` as its
 * input, is over `maxBytes` UTF-8 bytes. The envelope is measured only when a bound on
 * its size comes near the limit, and the input is never serialized again.
 */
export function assertPayloadSize(
  envelope: JobEnvelope,
  inputJson: string,
  maxBytes: number,
  setting?: string,
): void {
  if (envelopeBytesAtMost(envelope, inputJson) <= maxBytes) return;
  // The envelope's JSON is the input's, put in place of a one-character stand-in.
  const rest = JSON.stringify({ ...envelope, input: 0 });
  const bytes = Buffer.byteLength(rest, 'utf8') - 1 + Buffer.byteLength(inputJson, 'utf8');
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(envelope.task, bytes, maxBytes, envelope.id, 'job', setting);
  }
}

/**
 * The check a transport makes on each request of an `enqueue` call, before it stores any
 * of them: the payload cap, on the producer's `inputJson` when given. Returns that input
 * JSON (made here when the request has none, so a raw caller pays for one stringify).
 *
 * @example
 * for (const request of requests) assertEnqueueSize(request, maxPayloadBytes);
 */
export function assertEnqueueSize(
  request: EnqueueRequest,
  maxBytes: number,
  setting?: string,
): string {
  const inputJson = inputJsonOf(request);
  assertPayloadSize(request.envelope, inputJson, maxBytes, setting);
  return inputJson;
}

/**
 * A request's input as JSON: the producer's `inputJson` when given, else made here. The
 * client has checked its input (assertJsonValue); a raw caller may not have, so when
 * stringify throws (a RangeError on deep nesting, a TypeError on a cycle or a bigint) the
 * check runs then and throws the coded NotJsonError. The usual path stays one stringify.
 */
export function inputJsonOf(request: EnqueueRequest): string {
  if (request.inputJson !== undefined) return request.inputJson;
  const { input } = request.envelope;
  try {
    return JSON.stringify(input) ?? 'null';
  } catch (error) {
    assertJsonValue(input, 'input');
    throw error;
  }
}

/**
 * An upper bound on the UTF-8 size of the envelope's JSON: field names and punctuation
 * take under 200 bytes, each of the five numbers at most 24 characters, a string at most
 * 6 bytes per UTF-16 unit (an escape) plus its quotes, and JSON text at most 3 bytes per unit.
 */
function envelopeBytesAtMost(envelope: JobEnvelope, inputJson: string): number {
  const strings =
    envelope.id.length +
    envelope.task.length +
    envelope.queue.length +
    (envelope.idempotencyKey?.length ?? 0) +
    (envelope.schema?.length ?? 0);
  return 200 + 5 * 24 + 6 * strings + 10 + 3 * inputJson.length;
}
