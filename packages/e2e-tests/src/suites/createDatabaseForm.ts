// Suites are functions so that portal.e2e.ts can run them all against one portal.
/* eslint-disable jest/no-export */
import { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  pickOwner,
  screenshot,
  signInAsGuest,
} from '../browser';
import { Portal } from '../portal';

/** The Create Database form refuses bad input before anything is submitted. */
export function createDatabaseFormTests(portal: () => Portal) {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signInAsGuest(page, portal().appUrl);
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function openForm() {
    await page.goto(
      `${portal().appUrl}/create/templates/default/create-database`,
    );
    await page.locator('#root_name').waitFor();
  }

  it('offers as owner only the guest and their group, defaulting to the group', async () => {
    await openForm();
    const owner = page.locator('#root_owner');
    await owner.getByText('guests (group:default/guests)').waitFor();

    await owner.click();
    const options = page.getByRole('listbox').getByRole('option');
    await options.first().waitFor();
    expect(await options.allTextContents()).toEqual([
      'guestsgroup:default/guests',
      'guest (you)user:default/guest',
    ]);
    // platform-admins exists in the catalog, but the guest is no member of it
    expect(await page.getByText('platform-admins').count()).toBe(0);
    await screenshot(page, 'owner-picker');

    await options.filter({ hasText: 'user:default/guest' }).click();
    await owner.getByText('guest (user:default/guest)').waitFor();
  });

  it('refuses a name that is not a DNS label', async () => {
    await openForm();
    await page.locator('#root_name').fill('Orders DB');
    await pickOwner(page, 'group:default/guests');
    await page.getByRole('button', { name: 'Next' }).click();

    await page
      .getByText(/must match pattern/)
      .first()
      .waitFor();
    expect(await page.locator('#dbaas-flavor').count()).toBe(0);
  });

  it('offers the flavors with their size, and refuses storage outside the flavor bounds', async () => {
    await openForm();
    await page.locator('#root_name').fill('form-db');
    await pickOwner(page, 'group:default/guests');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.locator('#dbaas-flavor').click();
    await page
      .getByRole('option', {
        name: 'MariaDB 10.11 (small) — mariadb 10.11, 1 vCPU, 1 GiB, 1–50 GiB',
      })
      .click();
    expect(await page.locator('#dbaas-storage').inputValue()).toBe('5');
    await page
      .getByText('local: processes on the Backstage host (default)')
      .waitFor();
    await page.locator('#dbaas-storage').fill('500');
    await page.getByRole('button', { name: 'Review' }).click();

    expect(await page.locator('#dbaas-storage:invalid').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Create' }).count()).toBe(0);
    await screenshot(page, 'create-database-form');
  });
}
