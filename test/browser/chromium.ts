import * as fs from 'node:fs';
import { Browser, chromium } from 'playwright-core';

/**
 * Headless Chromium from Debian's package (`apt-get install -y chromium`), driven by playwright-core.
 * Where it is missing, browser tests skip with a message — except under CI (process.env.CI set),
 * where a missing browser fails the run: CI installs it.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function chromiumMissing(): string | undefined {
  if (fs.existsSync(CHROMIUM_PATH)) return undefined;
  return `Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get update && apt-get install -y chromium" (or set CHROMIUM_PATH) to run the browser tests.`;
}

/** describe() when the browser can run (or CI demands it), otherwise describe.skip() with a clear message. */
export function describeInBrowser(name: string, fn: () => void): void {
  const missing = chromiumMissing();
  if (missing && !process.env.CI) {
     
    console.warn(`SKIPPING browser tests "${name}": ${missing}`);
    describe.skip(name, fn);
    return;
  }
  describe(name, fn);
}

export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Where screenshots go when WRITE_SCREENSHOTS=1 (docs/screenshots/), else undefined. */
export function screenshotPath(name: string): string | undefined {
  if (!process.env.WRITE_SCREENSHOTS) return undefined;
  const dir = `${__dirname}/../../docs/screenshots`;
  fs.mkdirSync(dir, { recursive: true });
  return `${dir}/${name}.png`;
}
