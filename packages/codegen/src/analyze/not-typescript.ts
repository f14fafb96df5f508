import type { TaskFileAnalysis } from './task-file.js';

/** The task files codegen reads: TypeScript, whose types it reads. */
const TYPESCRIPT_FILE = /\.[mc]?tsx?$/;

export const isTypeScriptFile = (file: string): boolean => TYPESCRIPT_FILE.test(file);

/**
 * A JavaScript file matched by `tasks`: it declares no types for codegen to read, and the
 * type checker crashed on it ("Cannot read properties of undefined (reading
 * 'escapedName')").
 */
export function notTypeScript(relative: string): TaskFileAnalysis {
  return {
    tasks: [],
    schedules: [],
    workflows: [],
    workflowIdentities: [],
    identities: [],
    localImports: [],
    reexports: [],
    diagnostics: [
      {
        code: 'TASK_FILE_NOT_TYPESCRIPT',
        file: relative,
        line: 1,
        column: 1,
        message: `${relative} is not TypeScript: codegen reads each task's input and result types, which only a .ts file declares`,
        fix: 'rename it to .ts (or .mts), or narrow `tasks` in the config to TypeScript files; `conveyor worker -t` still loads a built .js module',
      },
    ],
  };
}
