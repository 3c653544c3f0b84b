import * as fs from 'node:fs';
import { Browser, chromium } from 'playwright-core';

/**
 * Headless Chromium from Debian's package (`apt-get install -y chromium`), driven by playwright-core.
 * Where it is missing, browser tests skip with a loud message — except under CI=true, where a
 * missing browser fails the run: .ci/run installs it.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function chromiumMissing(): string | undefined {
  if (fs.existsSync(CHROMIUM_PATH)) return undefined;
  return `Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get update && apt-get install -y chromium" (or set CHROMIUM_PATH) to run the browser tests.`;
}

/** CI=true (or 1): the browser tests must run, so a missing Chromium fails them. */
export const IN_CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/**
 * describe() when the browser can run. Without Chromium: under CI a failing test naming what is
 * missing (a run without the browser tests must not look green); locally a loud skip.
 */
export function describeInBrowser(name: string, fn: () => void): void {
  const missing = chromiumMissing();
  if (missing && IN_CI) {
    describe(name, () => {
      it('needs Chromium (CI=true: the browser tests may not be skipped)', () => {
        throw new Error(missing);
      });
    });
    return;
  }
  if (missing) {
    console.warn(`\n${'!'.repeat(80)}\nSKIPPING browser tests "${name}": ${missing}\nUnder CI=true this fails.\n${'!'.repeat(80)}\n`);
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

/** Where screenshots go when WRITE_SCREENSHOTS=1 (docs/screenshots/), else undefined. */
export function screenshotPath(name: string): string | undefined {
  if (!process.env.WRITE_SCREENSHOTS) return undefined;
  const dir = `${__dirname}/../../docs/screenshots`;
  fs.mkdirSync(dir, { recursive: true });
  return `${dir}/${name}.png`;
}
