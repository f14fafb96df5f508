import { closeSync, fdatasync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The external ledger: one append-only file per process, which no fault touches.
 *
 * Each line is `<kind> <epoch ms> <fields…>`. Lines are written with one `write(2)` each,
 * so a process killed with SIGKILL never loses a line it wrote (the kernel holds it).
 * They are flushed to disk with `fdatasync` in the background every 200 ms: an fsync per
 * line costs about 5 ms here and would stall the very event loop under test.
 */
export type LedgerKind =
  /** The producer's enqueue was acknowledged: `enq <t> <id> <seq>`. */
  | 'enq'
  /** The producer's enqueue call failed: `enqfail <t> <seq> <reason>`. */
  | 'enqfail'
  /** A task body began: `start <t> <id> <pid> <attempt> <seq>`. */
  | 'start'
  /** A task body returned: `done <t> <id> <pid> <attempt>`. */
  | 'done'
  /** A worker was told its settlement was stale: `stale <t> <id> <pid>`. */
  | 'stale'
  /** A worker's heartbeat lost a lease: `leaselost <t> <id> <pid>`. */
  | 'leaselost'
  /** A task body blocked the event loop on purpose: `stall <t> <id> <pid> <attempt>`. */
  | 'stall'
  /** A worker process is ready / exiting: `ready <t> <pid>`, `exit <t> <pid>`. */
  | 'ready'
  | 'exit'
  /** Something unexpected inside a worker: `crash <t> <pid> <message>`, `polluted <t> <pid>`. */
  | 'crash'
  | 'polluted'
  /** A fault the harness injected: `fault <t> <what> <detail>`. */
  | 'fault'
  /** Workflows (src/workflow-tasks.ts): the harness started run `run` as workflow `id`: `wf <t> <run> <id>`. */
  | 'wf'
  /** The harness reached a point of a run: `wmark <t> <run> <what>` (e.g. `cancel-call`, `cancelled`). */
  | 'wmark'
  /** A step's body began / returned / saw its signal / failed on purpose: `wstart <t> <run> <job id> <pid> <attempt> <step> <child>`. */
  | 'wstart'
  | 'wdone'
  | 'wabort'
  | 'wfail'
  /** The fan-in step's check, once per completed run of it: `fanin <t> <run> <job id> <pid> <attempt> <results> <misplaced>`. */
  | 'fanin'
  /** A worker's `workflows.claim` answered: `claim <t> <workflow id> <step> <child or -1> <outcome> <sent at>`. */
  | 'claim';

export interface LedgerEntry {
  kind: LedgerKind;
  t: number;
  fields: string[];
}

export interface LedgerWriter {
  write(kind: LedgerKind, ...fields: Array<string | number>): void;
  close(): void;
}

/** Opens (creates) `<dir>/<name>.log` for appending. */
export function openLedger(dir: string, name: string): LedgerWriter {
  const fd = openSync(join(dir, `${name}.log`), 'a');
  let dirty = false;
  let closed = false;
  const timer = setInterval(() => {
    if (!dirty || closed) return;
    dirty = false;
    fdatasync(fd, () => {});
  }, 200);
  timer.unref();
  return {
    write(kind, ...fields) {
      if (closed) return;
      // Spaces separate fields; ids and reasons never need them.
      const line = [kind, Date.now(), ...fields.map((f) => String(f).replace(/\s+/g, '_'))];
      writeSync(fd, `${line.join(' ')}\n`);
      dirty = true;
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      closeSync(fd);
    },
  };
}

/** Every entry of every ledger file in `dir`, in time order. A torn last line is skipped. */
export function readLedger(dir: string): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.log')) continue;
    const text = readFileSync(join(dir, file), 'utf8');
    for (const line of text.split('\n')) {
      const entry = parseLine(line);
      if (entry) entries.push(entry);
    }
  }
  return entries.sort((a, b) => a.t - b.t);
}

export function parseLine(line: string): LedgerEntry | undefined {
  const [kind, t, ...fields] = line.trim().split(' ');
  const time = Number(t);
  if (!kind || !Number.isFinite(time)) return undefined;
  return { kind: kind as LedgerKind, t: time, fields };
}
