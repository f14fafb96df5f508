/**
 * For a `JSON.stringify` replacer: the objects above the value it is given, root first, so
 * that a cycle (an object met again inside itself) can be told from a value merely shared.
 * The replacer's `this` is the object holding the value: every object finished since is
 * forgotten when its `this` comes round.
 */
export function jsonAncestors() {
  // What the replacer returned for each object (the `this` of its members), and the object.
  const holders: unknown[] = [];
  const originals: unknown[] = [];
  return {
    /** Forgets the objects finished before `holder`'s member `value`; true when `value` is above it. */
    cycles(holder: unknown, value: unknown): boolean {
      while (holders.length > 0 && holders[holders.length - 1] !== holder) {
        holders.pop();
        originals.pop();
      }
      return originals.includes(value);
    },
    /** `value` is being written as `holder` (itself, or a copy cut short). */
    enter(holder: object, value: unknown): void {
      holders.push(holder);
      originals.push(value);
    },
  };
}
