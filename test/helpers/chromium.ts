// Headless Chromium for the browser tests (Debian's /usr/bin/chromium driven by playwright-core):
// where it is, whether a test must have it (CI=true) or may be skipped without it, its flags, and
// the page errors a test asserts are none.
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';

export const CHROMIUM = process.env.CONVERGENT_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
/** Chromium missing: the browser tests fail under CI=true and are skipped otherwise. */
export const requireChromium = process.env.CI === 'true';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The page's console errors and uncaught exceptions, collected as they happen. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}
