// Debian's Chromium driven by playwright-core, for the browser tests (the Kompira e-mail button, the
// dashboard). The flags keep it off the network this machine does not have (docs: env notes).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.HOOKBOOK_CHROMIUM ?? '/usr/bin/chromium';

/** Missing Chromium is a failure, not a skip: `npm test` installs it (scripts/ensure-tools.sh). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y --no-install-recommends chromium" (or set HOOKBOOK_CHROMIUM).`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
