import { randomBytes } from 'node:crypto';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
/** Fixture trees live inside the package so that `zod` and `@conveyor/core` resolve. */
const tmpRoot = path.join(packageRoot, '.tmp');
export const fixtureDir = (name: string) => path.join(packageRoot, 'test', 'fixtures', name);

export const CONFIG = `export default {
  tasks: ['src/tasks/*.ts'],
  client: 'src/generated/client.ts',
  registry: 'src/generated/registry.ts',
};
`;

export interface Tree {
  readonly root: string;
  path(relative: string): string;
  write(relative: string, text: string): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A throwaway file tree with a conveyor.config.ts and a tsconfig that resolves workspace
 * packages to their sources. `files` maps relative paths to contents.
 */
export async function makeTree(files: Record<string, string>, from?: string): Promise<Tree> {
  const root = path.join(tmpRoot, `tree-${randomBytes(5).toString('hex')}`);
  await mkdir(root, { recursive: true });
  if (from) await cp(from, root, { recursive: true });
  const tree: Tree = {
    root,
    path: (relative) => path.join(root, relative),
    async write(relative, text) {
      await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
      await writeFile(path.join(root, relative), text);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
  const defaults: Record<string, string> = {
    'conveyor.config.ts': CONFIG,
    // The package tsconfig resolves @conveyor/* to sources; no @types/node keeps checking cheap.
    'tsconfig.json': JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { types: [] },
      include: ['src'],
    }),
  };
  for (const [relative, text] of Object.entries({ ...defaults, ...files })) {
    await tree.write(relative, text);
  }
  return tree;
}

/** A minimal valid task file. */
export function taskFile(exportName: string, name: string, fields = ''): string {
  return `import { defineTask } from '@conveyor/core';
import { z } from 'zod';

export const ${exportName} = defineTask({
  name: '${name}',
  input: z.object({ id: z.string() }),${fields}
  output: z.object({ ok: z.boolean() }),
  run: () => ({ ok: true }),
});
`;
}

/**
 * The type errors of generated files, compiled with the tree's tsconfig (`tsconfig`,
 * relative to the root). The tree has no @types/node, so only these files' own errors count.
 */
export async function compileErrors(
  tree: Tree,
  files: readonly string[],
  tsconfig = 'tsconfig.json',
): Promise<string[]> {
  const { Project } = await import('ts-morph');
  const project = new Project({
    tsConfigFilePath: tree.path(tsconfig),
    skipAddingFilesFromTsConfig: true,
  });
  const checked = [...new Set(files.map((file) => tree.path(file)))].map((file) =>
    project.addSourceFileAtPath(file),
  );
  // Each file's own diagnostics: asking the whole program's would type-check every module it
  // imports (@conveyor/core's sources among them) for errors this function leaves out anyway.
  return checked.flatMap((file) =>
    file
      .getPreEmitDiagnostics()
      .map((diagnostic) => project.formatDiagnosticsWithColorAndContext([diagnostic])),
  );
}
