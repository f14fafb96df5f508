import { defineConfig } from '@conveyor/codegen';

// `conveyor generate` reads this: task files in, the typed producer client and the worker
// registry out. CI runs `conveyor generate --check` (the `lint` script) so they stay fresh.
export default defineConfig({
  tasks: ['src/tasks/*.ts'],
  client: 'src/generated/client.ts',
  registry: 'src/generated/registry.ts',
});
