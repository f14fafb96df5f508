// Shared Vitest configuration for Conveyor packages.
// Workspace packages export a "@conveyor/source" condition pointing at their
// TypeScript sources, so tests run against src/ without a build step.
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig, mergeConfig } from 'vitest/config';

const sourceCondition = '@conveyor/source';

/**
 * @param {import('vitest/config').UserConfig} [overrides]
 */
export function conveyorVitestConfig(overrides = {}) {
  return mergeConfig(
    defineConfig({
      resolve: { conditions: [sourceCondition, ...defaultClientConditions] },
      ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
      test: {
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        // A package's test files share their worker processes instead of getting a fresh one
        // each: starting a worker per file and importing the same modules again took a third
        // to a half of each suite's CPU time. So a test file must leave no global state
        // behind: restore fake timers and mocks, remove the listeners it adds, close what it
        // opens. A package that cannot can set `isolate: true` in its own config.
        isolate: false,
        // Timeouts catch hangs; they cost nothing while tests pass. Waits inside tests are on
        // conditions, and on a busy machine a test can take many times its idle duration.
        testTimeout: 60_000,
        hookTimeout: 120_000,
        // The same for `expect.poll` (Vitest's default gives up after 1 s): a condition that
        // holds in milliseconds alone can take seconds beside the rest of `pnpm test` on two
        // cores. `vi.waitFor` has no such setting; its calls pass a timeout of their own, which
        // `pnpm lint` checks (tooling/biome/wait-for-timeout.grit).
        expect: { poll: { timeout: 15_000 } },
        // Type tests (*.test-d.ts) are compiled by `pnpm typecheck` (tsc --noEmit over src and
        // test), where a failed expectTypeOf is a type error. Running tsc again inside every
        // `pnpm test` cost each package with type tests 20 to 50 s beside the other suites.
        // `vitest --typecheck` still runs them here, with this configuration.
        typecheck: {
          enabled: false,
          include: ['test/**/*.test-d.ts', 'src/**/*.test-d.ts'],
          tsconfig: './tsconfig.json',
        },
      },
    }),
    overrides,
  );
}
