// Suites are functions so that portal.e2e.ts can run them all against one portal.
/* eslint-disable jest/no-export */
import { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot, signInAsGuest } from '../browser';
import { Portal } from '../portal';

/** The Databases page in headless Chromium. */
export function databasesPageTests(portal: () => Portal) {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('signs in as guest and lists the configured flavors on the Databases page', async () => {
    await signInAsGuest(page, portal().appUrl);

    await page.getByRole('link', { name: 'Databases' }).click();

    await page.getByText('PostgreSQL 17 (small)').waitFor();
    await page.getByText('MariaDB 10.11 (small)').waitFor();
    expect(await page.getByText('10–500 (default 20)').count()).toBe(1);
    await screenshot(page, 'databases-page');
  });
}
