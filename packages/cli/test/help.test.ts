import { describe, expect, it } from 'vitest';
import { runConveyor } from './helpers.js';

const COMMANDS = ['worker', 'status', 'inspect', 'retry', 'dead', 'cancel', 'purge'];

describe('conveyor --help', () => {
  it('lists every command, the connection options and the exit codes', async () => {
    const result = await runConveyor(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: conveyor \[options\] \[command\]/);
    for (const command of COMMANDS)
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toContain('--redis <url>');
    expect(result.stdout).toMatch(/env:\s+REDIS_URL/);
    expect(result.stdout).toContain('Exit codes: 0 ok');
  });

  it.concurrent.each(COMMANDS)('explains `conveyor %s` with examples', async (command) => {
    const result = await runConveyor([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^Usage: conveyor ${command} `));
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain(`$ conveyor ${command}`);
  });

  it('rejects an unknown command or option with exit 2 and one error line', async () => {
    const unknown = await runConveyor(['statsu']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command 'statsu'/);
    const option = await runConveyor(['status', '--colour']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^error: unknown option '--colour'/);
  });
});

describe('bin/conveyor.js', () => {
  it('runs the sources inside the workspace, with no build', async () => {
    const { execFile } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const bin = fileURLToPath(new URL('../bin/conveyor.js', import.meta.url));
    const version = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [bin, '--version'], (error, stdout) =>
        error ? reject(error) : resolve(stdout.trim()),
      );
    });
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(version).toBe(pkg.version);
  });
});
