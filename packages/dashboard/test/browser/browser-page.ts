// One browser test file's Chromium: the dashboard served over a transport, a logged-in page
// on it, and where its screenshots go. `useBrowserPage` owns that lifecycle so the test files
// hold only what they test.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transport } from '@conveyor/core';
import { launchChromium as launch } from '@conveyor/test-browser';
import type {
  Browser,
  BrowserContext,
  BrowserContextOptions,
  Page,
  PageScreenshotOptions,
} from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { PASSWORD, type Served, serve, USER } from '../helpers.js';

/**
 * Headless Debian Chromium. Missing, it fails the test with what to do: these tests are the
 * issue's proof that the UI is safe, so they must not skip silently.
 */
export function launchChromium(): Promise<Browser> {
  return launch("The dashboard's browser tests");
}

let shared: Promise<Browser> | undefined;

/**
 * One Chromium per test process, for every file that process runs (the package's test files
 * share their processes: `isolate: false`). Each file opens its own context, so no cookie or
 * storage crosses files. A launch per file, with its GPU and network processes, was about a
 * fifth of the suite's CPU time. Playwright closes the browser when the process exits; one
 * that crashed or failed to launch is launched again for the next file.
 */
function sharedChromium(): Promise<Browser> {
  if (shared === undefined) {
    const launching = launchChromium();
    shared = launching;
    const forget = () => {
      if (shared === launching) shared = undefined;
    };
    launching.then((browser) => browser.on('disconnected', forget), forget);
  }
  return shared;
}

/**
 * Where the screenshots the tests take go: the directory `CONVEYOR_SCREENSHOTS` names. Unset,
 * the tests take none (100 of them cost the browser suite about 5 s of Chromium's CPU and 1 s of
 * its own, of about 85, for pictures nobody opened), except of a test's page when it fails.
 */
const SCREENSHOTS = process.env.CONVEYOR_SCREENSHOTS || undefined;

/** The screenshot directory: `CONVEYOR_SCREENSHOTS`, else a fresh temporary one. */
export function screenshotDir(): string {
  return SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'conveyor-dashboard-'));
}

/** `shoot`'s options: Playwright's, and another page than the file's own. */
export type ShotOptions = Omit<PageScreenshotOptions, 'path'> & { page?: Page };

type ServeOptions = Omit<NonNullable<Parameters<typeof serve>[0]>, 'transport'>;

export interface BrowserPageOptions {
  /**
   * The transport the dashboard serves, closed after the file's tests. A function is called
   * in `beforeAll`, for a transport made there (over a Redis started by an earlier hook).
   */
  transport: Transport | (() => Transport);
  /** Names the screenshots in the note printed after the tests, when any were taken. */
  label: string;
  /** The rest of the dashboard's options (`basePath`, `redact`, `readOnly`, …). */
  serve?: ServeOptions;
  /** 1360 × 860 unless given. */
  viewport?: { width: number; height: number };
  colorScheme?: BrowserContextOptions['colorScheme'];
  /** Runs on the logged-in context before its page opens: init scripts, exposed functions. */
  prepare?: (context: BrowserContext) => Promise<void>;
}

/** What `useBrowserPage` opened; each accessor throws if read before its `beforeAll` ran. */
export interface BrowserPage {
  /** Shared with the other files this test process runs: close what you open in it. */
  readonly browser: Browser;
  /** Logged in with the dashboard's basic-auth credentials. */
  readonly context: BrowserContext;
  readonly page: Page;
  readonly served: Served;
  readonly transport: Transport;
  /** The file's screenshot directory, made on first use. */
  readonly shots: string;
  /**
   * With `CONVEYOR_SCREENSHOTS` set, saves a screenshot of the page (or of `options.page`) as
   * `<name>.png` in `shots`, the full page unless told; else does nothing.
   */
  shoot(name: string, options?: ShotOptions): Promise<void>;
}

/** What the `beforeAll` opens, in order, for the `afterAll` to close. */
interface Opened {
  transport: Transport;
  browser: Browser;
  served: Served;
  context: BrowserContext;
  page: Page;
}

/**
 * Registers the `beforeAll` that launches Chromium, serves the dashboard and opens a
 * logged-in page, and the `afterAll` that closes them and the transport. Hooks registered
 * before this call run before it (seed data there); `afterAll` hooks run in reverse order of
 * registration (Vitest's `sequence.hooks: 'stack'`), so one registered before runs after
 * the transport is closed.
 *
 * @example
 * const transport = memoryTransport();
 * const ui = useBrowserPage({ transport, label: 'audit', colorScheme: 'light' });
 * it('draws', async () => {
 *   await ui.page.goto(`${ui.served.url}/audit`);
 *   await ui.shoot('audit');
 * });
 */
export function useBrowserPage(options: BrowserPageOptions): BrowserPage {
  const opened: Partial<Opened> = {};
  let shots: string | undefined;
  const get = <K extends keyof Opened>(name: K): Opened[K] => {
    const value = opened[name];
    if (value === undefined) {
      throw new Error(`useBrowserPage's ${name} is read before its beforeAll opened it`);
    }
    return value;
  };

  beforeAll(async () => {
    opened.transport =
      typeof options.transport === 'function' ? options.transport() : options.transport;
    opened.browser = await sharedChromium();
    opened.served = await serve({ ...options.serve, transport: opened.transport });
    opened.context = await opened.browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: options.viewport ?? { width: 1360, height: 860 },
      ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
    });
    await options.prepare?.(opened.context);
    opened.page = await opened.context.newPage();
  });

  // A failing test leaves a picture of where its page was, whether or not screenshots were
  // asked for: its name, and the directory is printed after the file's tests.
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      const page = opened.page;
      if (page === undefined || page.isClosed()) return;
      const name = `failed-${task.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80)}`;
      await page
        .screenshot({ fullPage: true, path: join(handle.shots, `${name}.png`), timeout: 10_000 })
        .catch(() => {});
    });
  });

  afterAll(async () => {
    // The browser stays open for the process's next file (sharedChromium).
    await opened.context?.close();
    await opened.served?.close();
    await opened.transport?.close();
    if (shots) console.log(`${options.label} screenshots: ${shots}`);
  });

  const handle: BrowserPage = {
    get browser() {
      return get('browser');
    },
    get context() {
      return get('context');
    },
    get page() {
      return get('page');
    },
    get served() {
      return get('served');
    },
    get transport() {
      return get('transport');
    },
    get shots() {
      shots ??= screenshotDir();
      return shots;
    },
    async shoot(name, { page = handle.page, ...screenshot } = {}) {
      if (SCREENSHOTS === undefined) return;
      await page.screenshot({
        fullPage: true,
        ...screenshot,
        path: join(handle.shots, `${name}.png`),
      });
    },
  };
  return handle;
}
