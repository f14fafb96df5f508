import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';

describe('public surface', () => {
  it('the root entry exports these names, and no help text (the CLI owns it)', () => {
    expect(Object.keys(root).sort()).toEqual([
      'CONFIG_FILE_NAMES',
      'CodegenDiagnosticsError',
      'CodegenError',
      'checkGenerated',
      'createGenerator',
      'defineConfig',
      'formatDiagnostic',
      'generate',
      'loadConfig',
      'resolveConfig',
      'runGenerateCommand',
      'watchGenerate',
    ]);
  });
});
