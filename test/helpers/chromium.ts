/** Headless Debian Chromium through playwright-core, with the flags the project's browser tests use. */
import { chromium, type Browser } from 'playwright-core';

/** Launches headless Chromium (`/usr/bin/chromium`; playwright-core never downloads a browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
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
