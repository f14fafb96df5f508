import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';
import * as worker from '../src/worker/index.js';

// Each audience has its own import path (README, "Import"): what only a worker calls to drive
// workflows and schedules lives in @conveyor/core/worker, not beside defineTask and
// createClient.
const WORKER_ONLY = [
  'applyWorkflowEffects',
  'enqueueMapChildren',
  'flushWorkflowOutbox',
  'planDifferences',
  'runStepInput',
  'findWorkflowStep',
  'mapItems',
  'stageOutput',
  'stepFailure',
  'dueSlots',
  'runJob',
];

describe('entry points', () => {
  it('@conveyor/core/worker exports what drives jobs, workflow steps and schedule slots', () => {
    for (const name of WORKER_ONLY) {
      expect(typeof (worker as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('@conveyor/core (task authors, producers) does not export them', () => {
    const leaked = WORKER_ONLY.filter((name) => name in root);
    expect(leaked).toEqual([]);
    // The client's default logger is its own detail: a logger is passed as `logger` (pino fits).
    expect('consoleLogger' in root).toBe(false);
    // What producers and task authors use is there.
    for (const name of ['defineTask', 'createClient', 'defineWorkflow', 'defineSchedule']) {
      expect(typeof (root as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * The bare specifiers (packages, `node:` modules) that loading `entry` imports at run time:
 * relative imports are followed (`./x.js` is `./x.ts` in the sources), type-only ones
 * skipped, as TypeScript erases them.
 */
function runtimePackages(entry: string): string[] {
  const bare = new Set<string>();
  const seen = new Set<string>();
  const pending = [entry];
  const statement =
    /(?:^|[;\n])\s*(?:import|export)(\s+type\b)?[^'"`;()]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(statement)) {
      if (match[1] !== undefined) continue;
      const specifier = (match[2] ?? match[3] ?? match[4]) as string;
      if (!specifier.startsWith('.')) {
        bare.add(specifier);
        continue;
      }
      const target = resolve(dirname(file), specifier);
      const source = target.replace(/\.js$/, '.ts');
      pending.push(existsSync(source) && !existsSync(target) ? source : target);
    }
  }
  return [...bare].sort();
}

describe('@conveyor/core/testing/clock', () => {
  // Imported from @conveyor/core/testing outside vitest, createManualClock failed with
  // ERR_MODULE_NOT_FOUND for 'vitest' (an optional peer), which the conformance suite there
  // imports: this entry has the clock without it.
  it('is an entry point whose module graph imports no vitest', async () => {
    const manifest = JSON.parse(readFileSync(resolve(packageDir, 'package.json'), 'utf8'));
    const entry = manifest.exports['./testing/clock'];
    expect(entry).toEqual({
      '@conveyor/source': './src/testing/clock.ts',
      types: './dist/testing/clock.d.ts',
      default: './dist/testing/clock.js',
    });
    expect(manifest.typesVersions['*']['testing/clock']).toEqual(['./dist/testing/clock.d.ts']);
    expect(readFileSync(resolve(packageDir, 'tsup.config.ts'), 'utf8')).toContain(
      "'testing/clock': 'src/testing/clock.ts'",
    );
    const clockEntry = resolve(packageDir, entry['@conveyor/source']);
    expect(runtimePackages(clockEntry)).toEqual([]);
    // The walk finds vitest where it is: the conformance suite.
    expect(runtimePackages(resolve(packageDir, 'src/testing/index.ts'))).toContain('vitest');
    const clock = await import('../src/testing/clock.js');
    expect(Object.keys(clock).sort()).toEqual(['createManualClock']);
  });
});
