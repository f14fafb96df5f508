// Read by `conveyor generate` (@conveyor/codegen): task files in, typed client stubs and the worker registry out.
export default {
  tasks: ['src/tasks/*.ts'],
  client: 'src/generated/client.ts',
  registry: 'src/generated/registry.ts',
};
