import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { packageDir } from './helpers.js';

/**
 * A config whose transport is one memory transport, exported as `shared` so that a test
 * importing the same file reaches the queues the command runs on; `close` is a no-op, so a
 * command's run does not close it for the next. `overrides` is source of more `key === …`
 * branches of the proxy's `get(target, key)`, each ending in `:` (a transport whose reads
 * say something else, say).
 */
export function memoryConfig(overrides = ''): string {
  return `import { defineConfig } from '@conveyor/codegen/config';
import { memoryTransport } from '@conveyor/core';

export const shared = memoryTransport();

export default defineConfig({
  tasks: ['tasks.ts'],
  client: 'generated/client.ts',
  registry: 'generated/registry.ts',
  transport: () => new Proxy(shared, {
    get: (target, key) => (key === 'close' ? async () => {} : ${overrides} Reflect.get(target, key)),
  }),
});
`;
}

const CONFIG = memoryConfig();

/**
 * Makes throwaway projects (that config and a `tasks.ts` of `tasks`) under the package, so
 * that their imports resolve through its node_modules; removed after the file's tests.
 */
export function memoryProjects(name: string): (tasks: string) => string {
  const root = path.join(packageDir, '.tmp', `${name}-${process.pid}`);
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return (tasks) => {
    const dir = path.join(root, randomBytes(4).toString('hex'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'conveyor.config.ts'), CONFIG);
    writeFileSync(path.join(dir, 'tasks.ts'), tasks);
    return dir;
  };
}

/** One task contract of a generated client: its name, queue, and its input schema as zod source. */
export interface ClientContract {
  name: string;
  queue: string;
  /** TypeScript source of the schema, e.g. `z.object({ day: z.string() })`. */
  input: string;
}

/**
 * Writes `generated/client.ts` into project `dir` as `conveyor generate` leaves it, with
 * `contracts` only (no task code): what `enqueue` and the read commands load from a config.
 */
export function writeClient(dir: string, contracts: readonly ClientContract[]): void {
  mkdirSync(path.join(dir, 'generated'), { recursive: true });
  const exports = contracts.map(
    (contract, n) =>
      `export const contract${n} = taskContract({\n  name: ${JSON.stringify(contract.name)},\n  input: ${contract.input},\n  queue: ${JSON.stringify(contract.queue)},\n});\n`,
  );
  writeFileSync(
    path.join(dir, 'generated', 'client.ts'),
    `import { taskContract } from '@conveyor/core';\nimport { z } from 'zod';\n${exports.join('')}`,
  );
}
