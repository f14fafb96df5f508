import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTaskModule, TaskModuleError } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-task-module-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Task-shaped objects: what the loader looks for (a name and a run function). */
const TASKS = `
const a = { name: 'm.a', run: () => 'a' };
const b = { name: 'm.b', run: () => 'b' };
`;

let count = 0;
/** Writes a throwaway module and returns its file name, relative to `dir`. */
function module(source: string, extension = 'mjs'): string {
  count += 1;
  const name = `module-${count}.${extension}`;
  writeFileSync(join(dir, name), source);
  return name;
}

describe('loadTaskModule', () => {
  it.each([
    ['a `tasks` list', `${TASKS} export const tasks = [a, b];`],
    ['a `tasks` record', `${TASKS} export const tasks = { a, b };`],
    ['a default list', `${TASKS} export default [a, b];`],
    ['a default record', `${TASKS} export default { a, b };`],
    ['a default object with `tasks`', `${TASKS} export default { tasks: [a, b], other: 1 };`],
    ['a `registry` record', `${TASKS} export const registry = { a, b };`],
    [
      'a registry object',
      `${TASKS} export const tasks = { get: (n) => ({ 'm.a': a, 'm.b': b })[n], names: () => ['m.a', 'm.b'] };`,
    ],
    ['named task exports', `${TASKS} export { a, b }; export const version = 3;`],
    ['CommonJS exports', `${TASKS} module.exports = { tasks: [a, b] };`, 'cjs'],
  ])('finds the tasks in %s', async (_shape, source, extension = 'mjs') => {
    const registry = await loadTaskModule(module(source, extension), { cwd: dir });
    expect(registry.names()).toEqual(['m.a', 'm.b']);
    expect(registry.get('m.b')?.run(undefined, undefined as never)).toBe('b');
  });

  it('prefers `tasks` over the default export and skips exports that hold other things', async () => {
    const source = `${TASKS} export const tasks = [a]; export default [b];`;
    expect((await loadTaskModule(module(source), { cwd: dir })).names()).toEqual(['m.a']);
    const mixed = `${TASKS} export const tasks = [a, 'not a task']; export default [b];`;
    expect((await loadTaskModule(module(mixed), { cwd: dir })).names()).toEqual(['m.b']);
  });

  it('takes a file: URL and imports through the importModule hook', async () => {
    const url = pathToFileURL(join(dir, module(`${TASKS} export default [a];`)));
    const imported: string[] = [];
    const registry = await loadTaskModule(url, {
      importModule: (href) => {
        imported.push(href);
        return import(href);
      },
    });
    expect(registry.names()).toEqual(['m.a']);
    expect(imported).toEqual([url.href]);
  });

  it('says what is wrong: missing, failing to import, no tasks, two tasks with one name', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'nope/tasks.mjs',
        /^Task module "nope\/tasks\.mjs" not found \(looked at .*nope.tasks\.mjs\)/,
      ],
      [
        module('throw new Error("boom at import");'),
        /^Task module "module-\d+\.mjs" could not be imported: boom at import \(thrown at module-\d+\.mjs:1:7\)$/,
      ],
      [
        module('export const version = 1; export default "x";'),
        /^Task module "module-\d+\.mjs" exports no tasks: .*\(it exports: default, version\)\.$/,
      ],
      // A registry codegen wrote from globs that matched nothing: it used to say "exports
      // no tasks … (it exports: default, tasks)", contradicting itself.
      [
        module('export const tasks = []; export default { tasks };'),
        /^Task module "module-\d+\.mjs" exports an empty `tasks` list\. .*`tasks` globs match no task file: fix them and run `conveyor generate` again\.$/,
      ],
      [
        module(`${TASKS} export const tasks = [a, { ...a }];`),
        /^Task module "module-\d+\.mjs" has an unusable task list: .*"m\.a".*unique task names/,
      ],
    ];
    for (const [path, message] of cases) {
      const error = await loadTaskModule(path, { cwd: dir }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TaskModuleError);
      expect(error).toMatchObject({ code: 'TASK_MODULE_FAILED' });
      expect((error as Error).message).toMatch(message);
    }
  });

  // A registry imports many task files: the reason alone ("SMTP_URL is not set") named
  // only the registry, not the task file whose top level threw.
  it('names the file and line that threw on import, relative to cwd when inside it', async () => {
    const thrower = module(
      "const need = (name) => { throw new Error(name + ' is not set'); };\nexport const url = need('SMTP_URL');\n",
    );
    const registry = module(`import { url } from './${thrower}';\nexport const tasks = [url];\n`);
    const error = await loadTaskModule(registry, { cwd: dir }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      `Task module "${registry}" could not be imported: SMTP_URL is not set (thrown at ${thrower}:1:32)`,
    );
    const outside = await loadTaskModule(join(dir, registry), {
      cwd: join(dir, 'elsewhere'),
    }).catch((caught: unknown) => caught);
    expect((outside as Error).message).toContain(`(thrown at ${join(dir, thrower)}:1:32)`);
  });

  // defineTask refusing an option threw inside core: linked from a workspace (no
  // node_modules in its path), core's built file was named instead of the task file's line.
  it("names the task file's line, not Conveyor's, when defineTask refuses an option", async () => {
    const core = pathToFileURL(fileURLToPath(new URL('../../core/dist/index.js', import.meta.url)));
    const tasks = module(
      `import { defineTask } from '${core.href}';\nexport const t = defineTask({ name: 'm.t', input: { '~standard': { version: 1, vendor: 'x', validate: (v) => ({ value: v }) } }, priority: 42, run: () => 1 });\n`,
    );
    const error = await loadTaskModule(tasks, { cwd: dir }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(new RegExp(`\\(thrown at ${tasks}:2:\\d+\\)$`));
  });
});
