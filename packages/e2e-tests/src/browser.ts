import fs from 'fs';
import path from 'path';
import { Browser, chromium, Page } from 'playwright-core';
import { repoRoot } from './portal';

/** Debian's Chromium, headless, with no calls home (the machine's network is closed). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function signInAsGuest(page: Page, appUrl: string) {
  await page.goto(appUrl);
  await page.getByRole('button', { name: 'Enter' }).click();
  await page
    .getByRole('navigation', { name: 'sidebar nav' })
    .getByRole('link', { name: 'Databases' })
    .waitFor();
}

export const screenshotDir = path.join(repoRoot, 'test-results', 'screenshots');

/** Waits until no finite animation or transition runs (menus and dialogs fade in). */
export async function settled(page: Page) {
  await page
    .waitForFunction(
      () =>
        document
          .getAnimations()
          .every(
            a =>
              a.playState !== 'running' ||
              a.effect?.getTiming().iterations === Infinity,
          ),
      undefined,
      { timeout: 5_000 },
    )
    .catch(() => {
      // a screenshot mid-animation is still worth taking
    });
}

export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await settled(page);
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/**
 * Picks an owner in the Create Database form's owner picker (the guest's choices are
 * their group `group:default/guests` and themselves, `user:default/guest`).
 */
export async function pickOwner(page: Page, ref: string) {
  await page.locator('#root_owner').click();
  await page
    .getByRole('listbox')
    .getByRole('option')
    .filter({ hasText: ref })
    .click();
  await page.getByRole('listbox').waitFor({ state: 'detached' });
}
