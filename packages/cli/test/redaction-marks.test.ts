// The read commands in a project: `inspect` loads the contracts of the client that
// `conveyor generate` wrote for the fields their schemas mark with .meta({ redact: true }),
// and goes on with a note when the config's client is not written yet (src/schema-marks.ts).
// With --tasks, and without a config: redaction.test.ts.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Transport } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { cli, json } from './helpers.js';
import { memoryProjects, writeClient } from './memory-project.js';

describe("read commands in a project: the generated client's marks", () => {
  const projects = memoryProjects('redaction');

  async function jobIn(dir: string): Promise<string> {
    const { shared } = (await import(
      /* @vite-ignore */ pathToFileURL(path.join(dir, 'conveyor.config.ts')).href
    )) as { shared: Transport };
    const envelope = makeEnvelope('logins', {
      task: 'cli.login',
      input: { user: 'ann', pin: '1234', password: 'hunter2' },
    });
    await shared.enqueue([{ envelope }]);
    return envelope.id;
  }

  it("redacts the fields the config's generated client marks, with no --tasks", async () => {
    const dir = projects('export {};\n');
    writeClient(dir, [
      {
        name: 'cli.login',
        queue: 'logins',
        input:
          'z.object({ user: z.string(), pin: z.string().meta({ redact: true }), password: z.string() })',
      },
    ]);
    const id = await jobIn(dir);
    const run = await cli(['inspect', id, '--json'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(json<{ envelope: { input: unknown } }>(run).envelope.input).toEqual({
      user: 'ann',
      pin: '[redacted]',
      password: '[redacted]',
    });
    const stored = await cli(['inspect', id, '--json', '--show-secrets'], { cwd: dir });
    expect(json<{ envelope: { input: { pin: string } } }>(stored).envelope.input.pin).toBe('1234');
  });

  it('goes on with a note when the config names a client not written yet', async () => {
    const dir = projects('export {};\n');
    const id = await jobIn(dir);
    const run = await cli(['inspect', id, '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'Note: not redacting the fields task schemas mark with .meta({ redact: true }): The client',
    );
    expect(run.stderr).toContain('The client generated/client.ts that conveyor.config.ts names');
    expect(json<{ envelope: { input: unknown } }>(run).envelope.input).toEqual({
      user: 'ann',
      pin: '1234',
      password: '[redacted]',
    });
  });
});
