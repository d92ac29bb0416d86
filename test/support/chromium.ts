/**
 * Headless Chromium for browser tests: Debian's `chromium` package, driven by playwright-core
 * (which downloads no browser of its own). `LLM_EXTPROC_TEST_CHROMIUM` names another executable.
 * test/global-setup.ts installs the package when it is absent (scripts/ensure-chromium.sh); if
 * that failed, {@link launchChromium} fails with a message saying so — browser tests never skip.
 */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The environment variable that names another Chromium executable. */
export const CHROMIUM_ENV = 'LLM_EXTPROC_TEST_CHROMIUM';

/** Flags for a quiet, sandbox-free headless run (tests run as root in containers). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium executable the tests use. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env[CHROMIUM_ENV] || DEFAULT_CHROMIUM;
}

/** True when `path` is an executable file. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Launches headless Chromium with a fresh temporary profile (Playwright makes one per launch and
 * removes it on close).
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!isExecutable(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}: install Debian's chromium package (bash scripts/ensure-chromium.sh, which the test setup runs) or set ${CHROMIUM_ENV} to a Chromium executable`,
    );
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}
