// Debian's headless Chromium for the browser tests (the dashboard's, the shop's admin), driven
// by playwright-core. `.ci/run` installs the package when it is missing.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless run in a container or CI box: no sandbox, GPU, QUIC or background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches headless Chromium. Missing, it throws what to do instead of letting the test skip:
 * `who` names the tests that need it, for the message.
 */
export async function launchChromium(who: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${who}: no Chromium at ${CHROMIUM}. Install Debian's package: \`sudo apt-get install -y chromium\` (.ci/run installs it when missing).`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
}
