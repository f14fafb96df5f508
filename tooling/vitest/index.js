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
        testTimeout: 20_000,
        hookTimeout: 30_000,
        typecheck: {
          enabled: true,
          include: ['test/**/*.test-d.ts', 'src/**/*.test-d.ts'],
          tsconfig: './tsconfig.json',
        },
      },
    }),
    overrides,
  );
}
