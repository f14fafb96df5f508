import { InvalidOptionError } from './errors.js';

/**
 * The keys an options object may have, as a record: declared with
 * `satisfies KnownKeys<Options>`, the compiler keeps the list equal to the type's keys.
 */
export type KnownKeys<T> = { readonly [K in Exclude<keyof T, symbol>]-?: true };

/**
 * Edit distance for suggestions after a mistyped name: insertions, deletions, substitutions,
 * and two neighbouring letters swapped as one edit (the optimal string alignment distance).
 * Plain Levenshtein counted `emial` for `emails` as three edits, past the limit.
 */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let distance = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, (before[j - 2] ?? 0) + 1);
      }
      current[j] = distance;
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate nearest to `name`: the same name in another case, else the closest within
 * two edits (three for a name of 7 characters or more: `retries` for `retry`); undefined
 * when none is.
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameLetters = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  const most = name.length >= 7 ? 3 : 2;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance <= most && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** An options key {@link assertKnownKeys} refuses: what it names, and the names it knows. */
export interface UnknownKey {
  /** The options, as the caller named them: `enqueue option`. */
  readonly what: string;
  /** The key `known` lacks. */
  readonly key: string;
  /** The known keys, in their order. */
  readonly known: readonly string[];
  /** The known key nearest to `key` ({@link nearestName}), if one is near. */
  readonly near: string | undefined;
}

/**
 * Core's error for an unknown key: {@link InvalidOptionError}, reading
 * `Invalid enqueue option "dealy": expected one of delay, eta, … (did you mean "delay"?).`
 */
export function unknownKeyError({ what, key, known, near }: UnknownKey): InvalidOptionError {
  const celery =
    near === undefined && Object.hasOwn(FROM_CELERY, key) ? FROM_CELERY[key] : undefined;
  return new InvalidOptionError(
    what,
    key,
    `one of ${known.join(', ')}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}${celery ? ` (Celery's ${key}: ${celery})` : ''}`,
  );
}

/** Option names a Celery user brings (camel-cased), with what Conveyor has instead. */
const FROM_CELERY: Readonly<Record<string, string>> = {
  countdown: 'the enqueue option delay, in milliseconds (countdown: 10 is delay: 10_000)',
  ignoreResult: 'removeOnComplete on the task',
  acksLate:
    'nothing to set: a job is acknowledged when its run ends, and its lease returns it if the worker dies',
  maxRetries:
    'retry: { attempts } on the task, counting the first run (maxRetries: 3 is attempts: 4)',
  defaultRetryDelay: 'retry: { backoff } on the task, in milliseconds',
  autoretryFor: 'nothing to set: any thrown error is retried; NonRetryableError fails at once',
  timeLimit: 'timeout on the task, in milliseconds',
  softTimeLimit: 'timeout: { soft, hard } on the task, in milliseconds',
  prefetchMultiplier: 'the worker option prefetch, a number of jobs',
  bind: 'nothing to set: run gets the context (ctx) as its second argument',
  expires: 'the enqueue option expiresAt',
};

/**
 * Throws for the first own key of `value` that `known` lacks, naming the known ones and the
 * nearest of them. A misspelt option (`dealy: 5_000`) was ignored without a word, and the job
 * ran at once; the compiler catches it only in an object literal, not in options built
 * elsewhere or passed from JavaScript.
 *
 * `what` names the options in the message: `enqueue option` reads
 * `Invalid enqueue option "dealy": expected one of delay, eta, … (did you mean "delay"?).`
 * The error is {@link InvalidOptionError} ({@link unknownKeyError}) unless `toError` makes
 * another: a package with errors of its own (the dashboard's) throws its own.
 */
export function assertKnownKeys(
  value: object,
  known: Readonly<Record<string, true>>,
  what: string,
  toError: (unknown: UnknownKey) => Error = unknownKeyError,
): void {
  for (const key in value) {
    if (!Object.hasOwn(value, key) || Object.hasOwn(known, key)) continue;
    // A key set to undefined sets nothing, as an option left out does.
    if ((value as Record<string, unknown>)[key] === undefined) continue;
    const names = Object.keys(known);
    throw toError({ what, key, known: names, near: nearestName(key, names) });
  }
}

/**
 * The options object of a call, checked: undefined, or an object whose keys are all known
 * (else {@link InvalidOptionError}, showing `example`). `call` names the call:
 * `client.schedules.pause` reads `Invalid client.schedules.pause option "queu": …`.
 */
export function checkedOptions<T extends object>(
  options: T | undefined,
  known: Readonly<Record<string, true>>,
  call: string,
  example: string,
): T | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(
      `options of ${call}`,
      options,
      `an object such as ${example}, or none`,
    );
  }
  assertKnownKeys(options, known, `${call} option`);
  return options;
}
