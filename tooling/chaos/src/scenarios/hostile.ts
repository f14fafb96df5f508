import type { Transport } from '@conveyor/core';
import { FINAL_STATES, newJobId } from '@conveyor/core/transport';
import { countJobs } from '../analysis.js';
import {
  check,
  noneCheck,
  produce,
  readRecords,
  type Scenario,
  type ScenarioResult,
  scenarioResult,
  sleep,
  waitFinal,
} from '../harness.js';
import { PREFIX, withRig } from '../setup.js';
import { echoTask } from '../tasks.js';
import {
  describe,
  leasedKeyOverwritten,
  nested,
  nestedText,
  type Outcome,
  QUEUE,
  RAW_DEEP,
  unknownTask,
  viaClient,
  viaTransport,
} from './hostile-inputs.js';
import { enqueueWork } from './work.js';

/**
 * Scenario 6: hostile input. Each case must be rejected, or end failed or dead-lettered
 * with a coded reason; no worker may crash and no prototype may be polluted.
 */
export const hostile: Scenario = {
  name: 'hostile',
  title: 'hostile input',
  run({ quick, dir, progress }) {
    const setup = { dir, workers: 2, worker: { leaseMs: 2_000 } };
    return withRig(setup, async (rig): Promise<ScenarioResult> => {
      const raw = rig.admin();
      const outcomes: Outcome[] = [];
      const pending: Array<{
        name: string;
        id: string;
        want: (record: Awaited<ReturnType<Transport['getJob']>>) => boolean;
      }> = [];
      const finalWithCode = (record: Awaited<ReturnType<Transport['getJob']>>) =>
        record !== null &&
        (record.state === 'dead' || record.state === 'failed') &&
        typeof record.error?.code === 'string';
      // 1. Prototype pollution through JSON keys.
      const protoInput = JSON.parse(
        '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"a":1}',
      );
      const proto = await viaClient('__proto__ keys', () =>
        rig.client.enqueue(echoTask, protoInput),
      );
      if (typeof proto === 'string')
        pending.push({
          name: '__proto__ keys',
          id: proto,
          want: (r) => r?.state === 'completed' || finalWithCode(r),
        });
      else outcomes.push(proto);
      // 2. 10,000 levels of nesting, through the client and straight into the transport.
      const deep = await viaClient('10,000-level nesting (client)', () =>
        rig.client.enqueue(echoTask, nested(10_000)),
      );
      if (typeof deep === 'string')
        pending.push({ name: '10,000-level nesting (client)', id: deep, want: finalWithCode });
      else outcomes.push(deep);
      const deepRaw = await viaTransport(rig.transport, echoTask.name, nestedText(10_000)).catch(
        (e: Error) => e,
      );
      if (typeof deepRaw === 'string')
        pending.push({
          name: RAW_DEEP,
          id: deepRaw,
          want: finalWithCode,
        });
      else {
        const code = (deepRaw as { code?: string }).code;
        outcomes.push({
          name: RAW_DEEP,
          outcome: `rejected: ${code ?? 'no code'}: ${deepRaw.message.slice(0, 80)}`,
          ok: code !== undefined,
        });
      }
      // 3. Oversized payload (2 MiB; the client's limit is 512 KiB).
      const big = await viaClient('oversized payload (2 MiB)', () =>
        rig.client.enqueue(echoTask, 'x'.repeat(2 * 1024 * 1024)),
      );
      if (typeof big === 'string')
        pending.push({ name: 'oversized payload (2 MiB)', id: big, want: finalWithCode });
      else outcomes.push(big);
      // 4. Lone surrogates: must come back identical, or be refused.
      const surrogates = { s: 'a\uD800b\uDFFFc\uD83D' };
      const lone = await viaClient('lone surrogates', () =>
        rig.client.enqueue(echoTask, surrogates),
      );
      if (typeof lone === 'string')
        pending.push({
          name: 'lone surrogates',
          id: lone,
          want: (r) =>
            (r?.state === 'completed' &&
              (r.result as { s?: string } | undefined)?.s === surrogates.s) ||
            finalWithCode(r),
        });
      else outcomes.push(lone);
      // 5. A task no worker has.
      const unknown = await viaClient('unknown task name', () =>
        rig.client.enqueue(unknownTask, {}),
      );
      if (typeof unknown === 'string')
        pending.push({
          name: 'unknown task name',
          id: unknown,
          want: (r) => r?.state === 'dead' && r.error?.code === 'UNKNOWN_TASK',
        });
      else outcomes.push(unknown);
      // 6. Input that fails the task's schema, from a producer that skipped validation.
      const invalid = await viaTransport(
        rig.transport,
        'chaos.work',
        '{"seq":"not a number","ms":-1}',
      );
      pending.push({
        name: 'input failing the schema (raw enqueue)',
        id: invalid,
        want: (r) => r?.state === 'dead' && r.error?.code === 'VALIDATION_FAILED',
      });
      // 7. Garbage written straight into the queue's keys.
      const base = `${PREFIX}:{${QUEUE}}:`;
      const garbage = async (name: string, write: (unique: string) => Promise<unknown>) => {
        const id = newJobId(QUEUE);
        const unique = id.slice(QUEUE.length + 1);
        await write(unique);
        pending.push({ name, id, want: (r) => r === null || finalWithCode(r) });
      };
      await garbage('garbage: ready id with no job hash', (u) => raw.rpush(`${base}w5`, u));
      await garbage('garbage: job hash of unknown fields', async (u) => {
        await raw.hset(`${base}j:${u}`, { foo: 'bar', s: 'w', zz: '\u0000\xff' });
        await raw.rpush(`${base}w5`, u);
      });
      await garbage('garbage: string where a job hash belongs', async (u) => {
        await raw.set(`${base}j:${u}`, 'not a hash');
        await raw.rpush(`${base}w5`, u);
        // Alone, so that a reserve call pops it by itself; the script drops the id (see the
        // case with valid jobs behind it).
        await raw.lpush(`${base}marker`, '1');
        await sleep(1_000);
      });
      await garbage('garbage: binary bytes as a ready id', async () => {
        await raw.rpush(`${base}w5`, Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]));
      });
      // A real job (never consumed: its own queue) copied with its input corrupted.
      const held = await rig.client.enqueue(
        echoTask,
        { marker: 'GARBAGE-ME' },
        { queue: 'chaos-held' },
      );
      // A plain waiting job is packed: `<d> <input>` in its queue's hash of packed jobs.
      const heldUnique = held.id.slice('chaos-held:'.length);
      const packed = await raw.hget(`${PREFIX}:{chaos-held}:j:`, heldUnique);
      const space = packed?.indexOf(' ') ?? -1;
      const fields = packed
        ? { s: 'w', d: packed.slice(0, space), i: packed.slice(space + 1) }
        : await raw.hgetall(`${PREFIX}:{chaos-held}:j:${heldUnique}`);
      await garbage('garbage: job hash with input that is not JSON', async (u) => {
        const corrupted = Object.fromEntries(
          Object.entries(fields).map(([k, v]) => [
            k,
            v.includes('GARBAGE-ME') ? '{not json\xff' : v,
          ]),
        );
        await raw.hset(`${base}j:${u}`, corrupted);
        await raw.rpush(`${base}w5`, u);
      });
      await raw.lpush(`${base}marker`, '1');
      await waitFinal(
        rig.transport,
        pending.map((p) => p.id),
        8_000,
      );
      // A wrong-type key at the head of the ready list with 5 valid jobs right behind it,
      // written in one step (as a promotion of due jobs would), so that one reserve call
      // pops them together. The valid jobs wait far in the future until then.
      const behind = await rig.client.enqueueMany(
        echoTask,
        [1, 2, 3, 4, 5].map((n) => ({ n })),
        { delay: 600_000 },
      );
      const uniques = behind.map((h) => h.id.slice(QUEUE.length + 1));
      await garbage('garbage: wrong-type job key ahead of 5 valid jobs', (u) =>
        raw.eval(
          `redis.call('SET', KEYS[4] .. ARGV[1], 'not a hash')
           redis.call('RPUSH', KEYS[1], ARGV[1])
           for i = 2, #ARGV do
             redis.call('ZREM', KEYS[2], ARGV[i])
             redis.call('HSET', KEYS[4] .. ARGV[i], 's', 'w')
             redis.call('HDEL', KEYS[4] .. ARGV[i], 'u')
             redis.call('RPUSH', KEYS[1], ARGV[i])
           end
           redis.call('LPUSH', KEYS[3], '1')`,
          4,
          `${base}w5`,
          `${base}delayed`,
          `${base}marker`,
          `${base}j:`,
          u,
          ...uniques,
        ),
      );
      for (const [n, handle] of behind.entries()) {
        pending.push({
          name: `valid job ${n + 1}/5 behind the wrong-type key`,
          id: handle.id,
          want: (r) => r?.state === 'completed',
        });
      }
      await sleep(2_500);
      progress(
        `${pending.length + outcomes.length} hostile inputs sent; now normal jobs behind them`,
      );
      // Normal jobs after the garbage: the queue must keep flowing.
      const normal = quick ? 100 : 500;
      await produce({
        client: rig.client,
        ledger: rig.ledger,
        count: normal,
        batch: 50,
        intervalMs: 0,
        enqueue: enqueueWork(5, 20),
      });
      const ids = rig.ackedIds();
      await waitFinal(rig.transport, [...ids, ...pending.map((p) => p.id)], 10_000);
      await sleep(500);
      for (const item of pending) {
        let record: Awaited<ReturnType<Transport['getJob']>> = null;
        let outcome: string;
        try {
          record = await rig.transport.getJob(item.id);
          outcome = describe(record);
        } catch (error) {
          // Garbage the scripts cannot read: refused with a coded error, which is a reason.
          const code = (error as { code?: string }).code;
          outcome = `unreadable: getJob throws ${code} (${(error as Error).message.slice(19, 90)})`;
          outcomes.push({ name: item.name, outcome, ok: code !== undefined });
          continue;
        }
        const stuck = record !== null && !FINAL_STATES.has(record.state);
        outcomes.push({ name: item.name, outcome, ok: !stuck && item.want(record) });
      }
      const index = rig.index();
      const records = await readRecords(rig.transport, ids);
      const all = countJobs(index, { records });
      // The hostile jobs are judged case by case above, not as normal jobs.
      const hostileIds = new Set(pending.map((p) => p.id));
      const counts = {
        ...all,
        unexpected: all.unexpectedIds.filter((id) => !hostileIds.has(id)).length,
      };
      const entries = (await import('../ledger.js')).readLedger(dir);
      const polluted =
        entries.filter((e) => e.kind === 'polluted').length +
        (({} as Record<string, unknown>).polluted !== undefined ? 1 : 0);
      const crashes = rig.fleet.crashes();
      const wedge = await leasedKeyOverwritten(rig.transport, raw);
      const isBehind = (o: Outcome) => o.name.startsWith('valid job ');
      const rawDeep = outcomes.find((o) => o.name === RAW_DEEP);
      const cases = outcomes.filter((o) => !isBehind(o) && o !== rawDeep);
      const handled = cases.filter((o) => o.ok).length;
      const behindOk = outcomes.filter((o) => isBehind(o) && o.ok).length;
      const checks = [
        check(
          'hostile inputs rejected or dead-lettered with a reason',
          handled === cases.length,
          `${handled}/${cases.length}`,
          `= ${cases.length}/${cases.length}`,
        ),
        check(
          'deep nesting via transport.enqueue refused with a code',
          rawDeep?.ok === true,
          rawDeep?.outcome.slice(0, 60) ?? 'not run',
          'a coded error',
        ),
        check(
          'valid jobs behind a wrong-type key delivered',
          behindOk === 5,
          `${behindOk}/5`,
          '= 5/5',
        ),
        check(
          'worker crashes',
          crashes.length === 0 && rig.fleet.alive().length === 2,
          String(crashes.length),
          '= 0',
        ),
        noneCheck('prototype pollution', polluted),
        noneCheck('normal jobs behind them lost', counts.lost),
        check(
          'queue usable after a leased job key is overwritten',
          wedge.ok,
          wedge.outcome,
          'enqueue and reserve work',
        ),
      ];
      return scenarioResult(hostile, counts, {
        checks,
        figures: Object.fromEntries(outcomes.map((o) => [o.name, o.outcome])),
        notes: outcomes.map((o) => `${o.ok ? 'ok    ' : 'BROKEN'} ${o.name}: ${o.outcome}`),
      });
    });
  },
};
