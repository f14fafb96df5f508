/**
 * Codegen benchmark: 200 task files, generated cold, then regenerated in watch mode after
 * one file changes. Run with `pnpm --filter @conveyor/codegen bench`. Prints a table; the
 * figures go in the README by hand (no test asserts on time).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const TASKS = 200;
const RUNS = 7;
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

type ResultStyle =
  | 'output schema'
  | 'output schema, z.custom input'
  | 'declared run type'
  | 'inferred run type';

/** The AST cannot tell what z.custom accepts: the JSON boundary check needs the type checker. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: task source text with a template literal type.
const CUSTOM_FIELD = "\n    ref: z.custom<`ord_${string}`>((value) => typeof value === 'string'),";

function taskFile(index: number, style: ResultStyle, revision = 0): string {
  const result = style.startsWith('output schema')
    ? `  output: z.object({ ok: z.boolean(), count: z.number() }),\n  async run(input) {\n    return { ok: true, count: input.items.length };\n  },`
    : style === 'declared run type'
      ? `  async run(input): Promise<Receipt${index}> {\n    return { id: input.id, total: input.items.length };\n  },`
      : `  async run(input) {\n    return { id: input.id, total: input.items.length, tags: ['a'] as string[] };\n  },`;
  return `import { defineTask } from '@conveyor/core';
import { z } from 'zod';
import { moneySchema } from './shared.schema.js';

interface Receipt${index} {
  id: string;
  total: number;
}

const item${index} = z.object({ sku: z.string().min(1), quantity: z.number().int().positive() });

export const task${index} = defineTask({
  name: 'bench.task${index}',
  input: z.object({
    id: z.string(),
    items: z.array(item${index}).max(${100 + revision}),
    price: moneySchema,${style === 'output schema, z.custom input' ? CUSTOM_FIELD : ''}
  }),
  queue: 'bench',
  retry: { attempts: 3 },
${result}
});
`;
}

async function makeTree(style: ResultStyle): Promise<string> {
  const root = path.join(packageRoot, '.tmp', `bench-${style.replaceAll(' ', '-')}`);
  await rm(root, { recursive: true, force: true });
  await mkdir(path.join(root, 'src/tasks'), { recursive: true });
  await writeFile(
    path.join(root, 'conveyor.config.ts'),
    "export default { tasks: ['src/tasks/*.ts'], client: 'src/generated/client.ts', registry: 'src/generated/registry.ts' };\n",
  );
  await writeFile(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({ extends: '../../tsconfig.json', include: ['src'] }),
  );
  await writeFile(
    path.join(root, 'src/tasks/shared.schema.ts'),
    "import { z } from 'zod';\nexport const moneySchema = z.object({ cents: z.number().int(), currency: z.string().length(3) });\n",
  );
  await Promise.all(
    Array.from({ length: TASKS }, (_, index) =>
      writeFile(path.join(root, `src/tasks/task-${index}.ts`), taskFile(index, style)),
    ),
  );
  return root;
}

/** CPU time (user + system) is steadier than wall time on a shared machine. */
function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const rows: string[][] = [];
const styles: ResultStyle[] = [
  'output schema',
  'output schema, z.custom input',
  'declared run type',
  'inferred run type',
];
const root = await makeTree('output schema');

// Cold: includes loading ts-morph (and its TypeScript) into this process.
const coldStart = performance.now();
const coldCpu = process.cpuUsage();
const codegen = await import('../src/index.js');
const cold = await codegen.generate({ cwd: root });
const coldMs = performance.now() - coldStart;
const coldCpuMs = cpuMs(process.cpuUsage(coldCpu));
if (!cold.ok) throw new Error(JSON.stringify(cold.diagnostics.slice(0, 3)));

for (const style of styles) {
  const tree = style === 'output schema' ? root : await makeTree(style);
  const start = performance.now();
  const startCpu = process.cpuUsage();
  const generator = codegen.createGenerator(await codegen.loadConfig({ cwd: tree }));
  const first = await generator.run();
  const firstMs = performance.now() - start;
  const firstCpuMs = cpuMs(process.cpuUsage(startCpu));
  if (!first.ok) throw new Error(JSON.stringify(first.diagnostics.slice(0, 3)));

  // Watch mode: one file changes (a real schema change), the same generator regenerates.
  const warm: number[] = [];
  const warmCpu: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    await writeFile(path.join(tree, 'src/tasks/task-7.ts'), taskFile(7, style, run));
    const begin = performance.now();
    const beginCpu = process.cpuUsage();
    const result = await generator.run();
    warm.push(performance.now() - begin);
    warmCpu.push(cpuMs(process.cpuUsage(beginCpu)));
    if (result.files.find((file) => file.path.endsWith('client.ts'))?.status !== 'written') {
      throw new Error('the change did not reach the client');
    }
  }

  // End to end through watchGenerate: from the write to the written output (50 ms debounce).
  const controller = new AbortController();
  const endToEnd: number[] = [];
  let written: number | undefined;
  let resolveNext: () => void = () => {};
  const watching = codegen.watchGenerate({
    cwd: tree,
    signal: controller.signal,
    onResult() {
      written = performance.now();
      resolveNext();
    },
  });
  await new Promise<void>((resolve) => {
    resolveNext = resolve;
  });
  for (let run = 1; run <= RUNS; run++) {
    const next = new Promise<void>((resolve) => {
      resolveNext = resolve;
    });
    const begin = performance.now();
    await writeFile(path.join(tree, 'src/tasks/task-11.ts'), taskFile(11, style, run + 50));
    await next;
    endToEnd.push((written ?? begin) - begin);
  }
  controller.abort();
  await watching;

  const pair = (wall: number, cpu: number) => `${wall.toFixed(0)} (${cpu.toFixed(0)})`;
  rows.push([
    style,
    style === 'output schema' ? pair(coldMs, coldCpuMs) : '',
    pair(firstMs, firstCpuMs),
    pair(median(warm), median(warmCpu)),
    median(endToEnd).toFixed(0),
  ]);
}

const cpus = os.cpus();
console.log(
  `${TASKS} task files · Node ${process.version} · ${cpus.length}× ${cpus[0]?.model ?? 'cpu'} · load ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}`,
);
console.log(
  '| result type from | cold: import + generate, wall (CPU) ms | new generator, first run, wall (CPU) ms | watch: regenerate after 1 change, median wall (CPU) ms | watch: file write → output written, median ms |',
);
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
