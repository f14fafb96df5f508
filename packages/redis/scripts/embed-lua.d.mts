// Types of embed-lua.mjs, for test/embedded-lua.test.ts.
export declare const SCRIPTS_DIR: string;
export declare const EMBEDDED_FILE: string;
export declare const REGENERATE_COMMAND: string;
/** The text of src/scripts/embedded.gen.ts for the .lua files in `dir`. */
export declare function renderEmbeddedLua(dir?: string): string;
/** Writes the module when its text changed; returns whether it did. */
export declare function writeEmbeddedLua(dir?: string, out?: string): boolean;
