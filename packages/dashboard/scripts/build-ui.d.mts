// Types of build-ui.mjs, for test/ui-assets.test.ts.
export interface UiAsset {
  type: string;
  body: string;
  hash: string;
}

export const PACKAGE_DIR: string;
export const UI_DIR: string;
export const GENERATED_FILE: string;
export const REGENERATE_COMMAND: string;
export function bundleUi(): Promise<Record<string, UiAsset>>;
export function renderUiModule(): Promise<string>;
export function writeUiModule(out?: string): Promise<boolean>;
