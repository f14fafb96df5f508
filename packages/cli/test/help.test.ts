import { describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

const COMMANDS = [
  'worker',
  'status',
  'inspect',
  'retry',
  'promote',
  'dead',
  'cancel',
  'purge',
  'schedules',
  'workflows',
  'generate',
];

describe('conveyor --help', () => {
  it('lists every command, the connection and TLS options and the exit codes', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: conveyor \[options\] \[command\]/);
    for (const command of COMMANDS)
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toContain('--redis <url>');
    expect(result.stdout).toMatch(/env:\s+REDIS_URL/);
    for (const [option, variable] of [
      ['--tls-ca <file>', 'CONVEYOR_TLS_CA'],
      ['--tls-cert <file>', 'CONVEYOR_TLS_CERT'],
      ['--tls-key <file>', 'CONVEYOR_TLS_KEY'],
      ['--tls-servername <name>', 'CONVEYOR_TLS_SERVERNAME'],
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${option} .*\\(env:\\s+${variable}\\)`, 'ms'));
    }
    expect(result.stdout).toContain(
      '$ conveyor status --redis rediss://redis.internal:6380 --tls-ca ca.pem --tls-cert client.pem --tls-key client.key',
    );
    expect(result.stdout).toContain('Exit codes: 0 ok');
    expect(result.stdout).toContain('8 Redis refused the credentials, 9 invalid config file, 10');
    expect(result.stdout).toContain('5 purge, retry --all-dead or\npromote --all not confirmed');
    expect(result.stdout).toContain(
      'carries the --config, --redis, --prefix and --tls-*\noptions given',
    );
  });

  it('`conveyor retry --help` shows --yes and --dry-run, as purge shows --yes', async () => {
    const { stdout } = await cli(['retry', '--help']);
    expect(stdout).toMatch(/^ {2}-y, --yes +with --all-dead: do not ask for confirmation/m);
    expect(stdout).toMatch(/^ {2}--dry-run +with --all-dead: say how many dead jobs would be/m);
    expect(stdout).toContain('when stdin is not a terminal it needs --yes, else it exits 5');
    expect(stdout).toContain('$ conveyor retry --all-dead --queue emails --dry-run');
    expect((await cli(['purge', '--help'])).stdout).toMatch(/^ {2}-y, --yes +do not ask/m);
  });

  it('`conveyor promote --help` shows --all, --yes and --dry-run, and the exit codes of an id', async () => {
    const { stdout } = await cli(['promote', '--help']);
    expect(stdout).toMatch(/^Usage: conveyor promote \[options\] \[job-id\.\.\.\]$/m);
    expect(stdout).toMatch(/^ {2}--all +promote every delayed job of --queue$/m);
    expect(stdout).toMatch(/^ {2}-y, --yes +with --all: do not ask for confirmation/m);
    expect(stdout).toMatch(/^ {2}--dry-run +with --all: say how many delayed jobs would be/m);
    expect(stdout).toContain('exit 4 when each of them was not found, else 7');
    expect(stdout).toContain('$ conveyor promote --all --queue emails --dry-run');
  });

  it('says where the transport comes from: --redis, else the config, else REDIS_URL', async () => {
    const { stdout } = await cli(['--help']);
    expect(stdout).toMatch(/^ {2}--config <file> /m);
    expect(stdout).toContain(
      '1. Redis, when --redis, --prefix or a --tls-* option is on the command line;',
    );
    expect(stdout).toContain(
      '2. the transport function of the config file (--config, else conveyor.config.ts in the cwd),',
    );
    expect(stdout).toContain('3. Redis at REDIS_URL, else redis://127.0.0.1:6379.');
  });

  // `workflows` is a group: its subcommands reach the broker (workflows.test.ts checks their help).
  it.each(COMMANDS.filter((command) => command !== 'generate' && command !== 'workflows'))(
    '`conveyor %s --help` says where its transport comes from, with the global options',
    async (command) => {
      const { stdout } = await cli([command, '--help']);
      expect(stdout).toMatch(
        /^Transport: --redis <url> \(or --prefix, --tls-\*\) when given, else the transport function of\nconveyor\.config\.ts \(or --config <file>\), else REDIS_URL, else redis:\/\/127\.0\.0\.1:6379\./m,
      );
      expect(stdout).toMatch(/^Global Options:$/m);
      expect(stdout).toMatch(/^ {2}--config <file> /m);
      const admin = ['status', 'retry', 'promote', 'dead', 'purge'].includes(command);
      expect(stdout.includes('(transport.admin;')).toBe(admin);
    },
  );

  it('`conveyor generate --help` says the config is read, not run', async () => {
    const { stdout } = await cli(['generate', '--help']);
    expect(stdout).toContain('without running it');
    expect(stdout).not.toContain('Transport:');
    // Its exit codes, as the other commands have them.
    expect(stdout).toContain('2 bad usage or no config file');
    expect(stdout).toContain('9 a\nconfig that fails to load');
  });

  it.each(COMMANDS)('explains `conveyor %s` with examples', async (command) => {
    const result = await cli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^Usage: conveyor ${command} `));
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain(`$ conveyor ${command}`);
  });

  it("a subcommand's help lists the root's options as global, not its parent's own", async () => {
    // `schedules` has --queues and --json for its list; they read as options of run-now.
    const result = await cli(['schedules', 'run-now', '--help']);
    expect(result.code).toBe(0);
    const global = result.stdout.slice(result.stdout.indexOf('Global Options:'));
    expect(global).toContain('--redis <url>');
    expect(global).not.toContain('--queues <list>');
    expect(global).not.toContain('print {"schedules"');
    // The list keeps them.
    expect((await cli(['schedules', '--help'])).stdout).toContain('--queues <list>');
  });

  it('rejects an unknown command or option with exit 2 and one error line', async () => {
    const unknown = await cli(['statsu']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command 'statsu'/);
    // Another tool's word: commander's suggestion for `workers` was `worker`, which starts one.
    const workers = await cli(['workers']);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toBe(
      "error: unknown command 'workers': the workers are listed by `conveyor status` (`worker` starts one) (run with --help for usage)\n",
    );
    expect((await cli(['flower'])).stderr).toContain('the web dashboard is `conveyor dashboard`');
    // With --help it showed the whole program's help and exited 0, as if statsu existed.
    const asked = await cli(['statsu', '--help']);
    expect(asked.code).toBe(2);
    expect(asked.stdout).toBe('');
    expect(asked.stderr).toMatch(
      /^error: unknown command "statsu" for conveyor: expected one of worker, enqueue, status, .*\(did you mean status\?\)\.$/m,
    );
    // After global options too, their values passed over: the command word is statsu.
    const after = await cli(['--redis', 'redis://127.0.0.1:1', '--prefix=p', 'statsu', '--help']);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain('unknown command "statsu" for conveyor');
    expect((await cli(['--prefix', 'p', 'status', '--help'])).stdout).toMatch(
      /^Usage: conveyor status /,
    );
    const option = await cli(['status', '--colour']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^error: unknown option '--colour'/);
    // Commander's suggestion and the help hint were lines of their own.
    const typo = await cli(['status', '--jsno']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      "error: unknown option '--jsno' (Did you mean --json?) (run with --help for usage)\n",
    );
    // A command's option typed before the command: said where it goes, not just "unknown".
    const before = await cli(['--json', '--prefix', 'p', 'status']);
    expect(before.code).toBe(2);
    expect(before.stderr).toBe(
      "error: unknown option '--json': it is an option of the command, so it goes after it: `conveyor --prefix p status --json`\n",
    );
    // An option no command takes keeps the usual line.
    expect((await cli(['--colour', 'status'])).stderr).toBe(
      "error: unknown option '--colour' (run with --help for usage)\n",
    );
  });

  it("suggests for --name=value too, and names the counterparts of Celery's options", async () => {
    // commander suggests nothing for `--jsno=1`, and Celery's options got a bare "unknown".
    expect((await cli(['status', '--jsno=1'])).stderr).toBe(
      "error: unknown option '--jsno=1' (Did you mean --json?) (run with --help for usage)\n",
    );
    const celery = async (...argv: string[]) => {
      const run = await cli(argv);
      expect(run.code).toBe(2);
      return run.stderr;
    };
    expect(await celery('worker', '--loglevel=info')).toContain(
      '(in conveyor worker, use --log-level <level>)',
    );
    expect(await celery('worker', '-Q', 'emails')).toContain(
      '(in conveyor worker, use -q, --queues <list>)',
    );
    expect(await celery('worker', '-B')).toContain('with no separate beat');
    expect(await celery('enqueue', 'shop.x', '{}', '--countdown', '10')).toContain(
      'Celery’s countdown=10 is --delay 10000',
    );
    // Another command's option is not named from the worker's list.
    expect(await celery('status', '-Q', 'x')).toBe(
      "error: unknown option '-Q' (run with --help for usage)\n",
    );
  });
});

describe('conveyor help <command>', () => {
  it('shows the help of a subcommand, not of its parent', async () => {
    // Commander's help command read one level: this showed the help of `schedules`.
    const result = await cli(['help', 'schedules', 'pause']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: conveyor schedules pause \[options\] <id>/);
    expect((await cli(['help', 'status'])).stdout).toMatch(/^Usage: conveyor status /);
    // `<command> help <sub>`, as `workflows help list` reads: schedules said "unknown command
    // help" (exit 2), commander adding no help command to a command that lists.
    const after = await cli(['schedules', 'help', 'pause']);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/^Usage: conveyor schedules pause \[options\] <id>/);
    expect((await cli(['workflows', 'help', 'list'])).stdout).toMatch(
      /^Usage: conveyor workflows list /,
    );
  });

  it('refuses a name that is no command with exit 2, suggesting the nearest', async () => {
    // It showed the whole program's help and exited 0.
    const unknown = await cli(['help', 'nosuch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(
      /^error: unknown command "nosuch" for conveyor: expected one of worker, enqueue, status, /,
    );
    const near = await cli(['help', 'schedules', 'paus']);
    expect(near.code).toBe(2);
    expect(near.stderr).toContain(
      'unknown command "paus" for conveyor schedules: expected one of run-now, pause, resume, remove (did you mean pause?).',
    );
    const none = await cli(['help', 'status', 'extra']);
    expect(none.stderr).toContain('conveyor status has no command "extra"');
  });

  it('refuses --help of a subcommand that does not exist, past global options too', async () => {
    // It showed the help of `workflows`, exit 0, as if `show` were one of its commands.
    const show = await cli(['workflows', 'show', '--help']);
    expect(show.code).toBe(2);
    expect(show.stdout).toBe('');
    expect(show.stderr).toBe(
      'error: unknown command "show" for conveyor workflows: expected one of list, cancel, retry.\n',
    );
    // Past a global option whose value is the command's name.
    const past = await cli(['--prefix', 'schedules', 'schedules', 'paus', '--help']);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('unknown command "paus" for conveyor schedules');
    expect(past.stderr).toContain('(did you mean pause?)');
    // Real ones still show their help: a subcommand, its options, commander's help command.
    for (const argv of [
      ['--prefix', 'workflows', 'workflows', 'list', '--help'],
      ['schedules', '--prefix', 'p', 'pause', '--help'],
      ['workflows', '--status', 'failed', '--help'],
      ['workflows', 'help', '--help'],
    ]) {
      const shown = await cli(argv);
      expect(shown.code, argv.join(' ')).toBe(0);
      expect(shown.stdout, argv.join(' ')).toMatch(/^Usage: conveyor (workflows|schedules)/);
    }
  });

  it('points `conveyor workflows show <id>` to inspect', async () => {
    const show = await cli(['workflows', 'show', 'wf_x']);
    expect(show.code).toBe(2);
    expect(show.stderr).toContain('`conveyor inspect <workflow id>` shows one run');
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
