import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { type AnySchedule, type AnyTaskDefinition, isSchedule } from '@conveyor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { generate } from '../src/index.js';
import { makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

const reportTasks = `import { defineSchedule, defineTask } from '@conveyor/core';
import { z } from 'zod';

export const sendReport = defineTask({
  name: 'shop.sendReport',
  input: z.object({ threshold: z.number() }),
  output: z.object({ ok: z.boolean() }),
  run: () => ({ ok: true }),
});

export const morningReport = defineSchedule({
  id: 'shop.morningReport',
  task: sendReport,
  cron: '0 7 * * *',
  tz: 'Europe/Berlin',
  input: { threshold: 5 },
});
`;

// Schedules of a task from another file, through a namespace import, one exported by alias.
const otherSchedules = `import * as core from '@conveyor/core';
import { sendReport } from './report.js';
import { ping } from './ping.js';

export const hourlyReport = core.defineSchedule({
  id: 'shop.hourlyReport',
  task: sendReport,
  every: '1h',
  input: { threshold: 1 },
});

const pingEveryMinute = core.defineSchedule({ id: 'ops.ping', task: ping, every: '1m', input: { id: 'x' } });
export { pingEveryMinute as minutePing };
`;

describe('schedules in the worker registry', () => {
  it('exports every schedule of the task files, sorted by id, bound to the fingerprinted tasks', async () => {
    tree = await makeTree({
      'src/tasks/report.ts': reportTasks,
      'src/tasks/ping.ts': taskFile('ping', 'ops.ping'),
      'src/tasks/schedules.ts': otherSchedules,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    expect(result.schedules).toEqual([
      { id: 'ops.ping', exportName: 'minutePing', file: 'src/tasks/schedules.ts' },
      { id: 'shop.hourlyReport', exportName: 'hourlyReport', file: 'src/tasks/schedules.ts' },
      { id: 'shop.morningReport', exportName: 'morningReport', file: 'src/tasks/report.ts' },
    ]);
    const text = await readFile(tree.path('src/generated/registry.ts'), 'utf8');
    expect(text).toContain('the worker registry of every task and schedule.');
    expect(text).toContain("import type { AnySchedule, AnyTaskDefinition } from '@conveyor/core';");
    expect(text).toContain("import { morningReport, sendReport } from '../tasks/report.js';");
    expect(text).toContain("import { hourlyReport, minutePing } from '../tasks/schedules.js';");
    expect(text).toContain(
      [
        'export const schedules: readonly AnySchedule[] = [',
        '  minutePing,',
        '  hourlyReport,',
        '  morningReport,',
        '].map(withRegisteredTask);',
      ].join('\n'),
    );

    // The module runs: each schedule's task is the registry's copy, with its fingerprint.
    const registry = (await import(pathToFileURL(tree.path('src/generated/registry.ts')).href)) as {
      tasks: readonly AnyTaskDefinition[];
      schedules: readonly AnySchedule[];
    };
    expect(registry.schedules.map((schedule) => schedule.id)).toEqual([
      'ops.ping',
      'shop.hourlyReport',
      'shop.morningReport',
    ]);
    for (const schedule of registry.schedules) {
      expect(isSchedule(schedule)).toBe(true);
      const task = registry.tasks.find((candidate) => candidate.name === schedule.task.name);
      expect(schedule.task).toBe(task);
      expect(schedule.task.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(registry.schedules[2]).toMatchObject({
      cron: '0 7 * * *',
      tz: 'Europe/Berlin',
      input: { threshold: 5 },
    });
  });

  it('a registry without schedules stays as it was', async () => {
    tree = await makeTree({ 'src/tasks/ping.ts': taskFile('ping', 'ops.ping') });
    const result = await generate({ cwd: tree.root });
    expect(result.schedules).toEqual([]);
    const text = await readFile(tree.path('src/generated/registry.ts'), 'utf8');
    expect(text).toContain('the worker registry of every task.');
    expect(text).not.toContain('schedule');
  });

  it('SCHEDULE_NOT_EXPORTED for a schedule the registry cannot import', async () => {
    tree = await makeTree({
      'src/tasks/report.ts': reportTasks.replace(
        'export const morningReport',
        'const morningReport',
      ),
      'src/tasks/default.ts': `import { defineSchedule } from '@conveyor/core';
import { sendReport } from './report.js';

export default defineSchedule({ id: 'x', task: sendReport, every: 60_000, input: { threshold: 1 } });
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([
      ['SCHEDULE_NOT_EXPORTED', 'src/tasks/default.ts', 4],
      ['SCHEDULE_NOT_EXPORTED', 'src/tasks/report.ts', 11],
    ]);
    expect(result.diagnostics[1]?.message).toContain('schedule "morningReport" is not exported');
    expect(result.diagnostics[1]?.fix).toContain(
      'export const morningReport = defineSchedule({ … })',
    );
  });

  it('SCHEDULE_NOT_EXPORTED calls `export default s` of a schedule const a default export, not unexported', async () => {
    const unexported = (
      name: string,
      exportLine: string,
    ) => `import { defineSchedule } from '@conveyor/core';
import { sendReport } from './report.js';

const ${name} = defineSchedule({ id: '${name}', task: sendReport, every: 60_000, input: { threshold: 1 } });
${exportLine}
`;
    tree = await makeTree({
      'src/tasks/report.ts': reportTasks,
      'src/tasks/a.ts': unexported('s', 'export default s;'),
      'src/tasks/b.ts': unexported('r', 'export { r as default };'),
    });
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([
      ['SCHEDULE_NOT_EXPORTED', 'src/tasks/a.ts', 4],
      ['SCHEDULE_NOT_EXPORTED', 'src/tasks/b.ts', 4],
    ]);
    const message =
      'a schedule is the default export; the worker registry imports each schedule by name.';
    expect(result.diagnostics.map((d) => d.message)).toEqual([message, message]);
    expect(result.diagnostics.map((d) => d.fix)).toEqual([
      'Export it by name: `export const s = defineSchedule({ … })`.',
      'Export it by name: `export const r = defineSchedule({ … })`.',
    ]);
  });
});
