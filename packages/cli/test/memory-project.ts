import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { packageDir } from './helpers.js';

/**
 * A config whose transport is one memory transport, exported as `shared` so that a test
 * importing the same file reaches the queues the command runs on; `close` is a no-op, so a
 * command's run does not close it for the next.
 */
const CONFIG = `import { defineConfig } from '@conveyor/codegen/config';
import { memoryTransport } from '@conveyor/core';

export const shared = memoryTransport();

export default defineConfig({
  tasks: ['tasks.ts'],
  client: 'generated/client.ts',
  registry: 'generated/registry.ts',
  transport: () => new Proxy(shared, {
    get: (target, key) => (key === 'close' ? async () => {} : Reflect.get(target, key)),
  }),
});
`;

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
