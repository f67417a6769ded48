// Suites are functions so that portal.e2e.ts can run them all against one portal.
/* eslint-disable jest/no-export */
import { Browser, Page } from 'playwright-core';
import { Client } from 'pg';
import {
  launchBrowser,
  pickOwner,
  screenshot,
  signInAsGuest,
} from '../browser';
import { Portal } from '../portal';

/**
 * A user's whole path in the browser: create a database through the template form, watch
 * it become ready, open it, reveal the password, connect with it, stop it (connections
 * refused) and start it again (the data still there), delete it, see it gone.
 */
export function databaseLifecycleInBrowserTests(portal: () => Portal) {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await signInAsGuest(page, portal().appUrl);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('creates, uses and deletes a database through the UI', async () => {
    const name = 'browser-db';
    await page.goto(
      `${portal().appUrl}/create/templates/default/create-database`,
    );
    await page.locator('#root_name').fill(name);
    await pickOwner(page, 'group:default/guests');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#dbaas-flavor').click();
    await page
      .getByRole('option', { name: /^PostgreSQL 17 \(small\)/ })
      .click();
    await page.locator('#dbaas-storage').fill('3');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Create' }).click();

    // the task page, then the Databases page where it becomes ready
    await page
      .getByText('Open the database (password, connection strings)')
      .waitFor({ timeout: 120_000 });
    await page.goto(`${portal().appUrl}/dbaas`);
    const row = page.getByRole('row').filter({ hasText: name });
    await row.getByText('running').waitFor({ timeout: 60_000 });
    await row.getByText('healthy').waitFor();
    await screenshot(page, 'databases-page-with-instance');

    await row.getByRole('link', { name }).click();
    await page.getByRole('button', { name: 'Reveal' }).waitFor();
    await screenshot(page, 'instance-page');
    await page.getByRole('button', { name: 'Reveal' }).click();
    const password = (await page.getByTestId('dbaas-password').textContent())!;
    expect(password.length).toBeGreaterThanOrEqual(24);

    const text = async (label: string) =>
      (await page
        .getByText(label, { exact: true })
        .locator('xpath=following-sibling::*[1]')
        .textContent())!;
    // the connection details as the page shows them now (a start may move the port)
    const connect = async () => {
      const client = new Client({
        host: await text('Host'),
        port: Number(await text('Port')),
        database: await text('Database'),
        user: await text('User'),
        password,
      });
      await client.connect();
      return client;
    };
    let client = await connect();
    await client.query('CREATE TABLE visits (n INT)');
    await client.query('INSERT INTO visits VALUES (42)');
    let rows = (await client.query('SELECT n FROM visits')).rows;
    await client.end();
    expect(rows).toEqual([{ n: 42 }]);

    // stopped, it refuses connections; started again, it has kept its data
    await page.getByRole('button', { name: 'Stop' }).click();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: 'Stop' })
      .click();
    await page.getByTestId('status-stopped').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Start' }).waitFor();
    await screenshot(page, 'instance-stopped');
    await expect(connect()).rejects.toThrow();
    // click waits until the button is enabled: the stop is done
    await page.getByRole('button', { name: 'Start' }).click();
    await page
      .getByRole('button', { name: 'Stop' })
      .waitFor({ timeout: 120_000 });
    await page
      .getByText(/^(Starting|Stopping)…/)
      .waitFor({ state: 'detached' });
    client = await connect();
    rows = (await client.query('SELECT n FROM visits')).rows;
    await client.end();
    expect(rows).toEqual([{ n: 42 }]);

    // a backup now, and the recovery window it opens
    await page.getByRole('tab', { name: 'Backups' }).click();
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page
      .getByRole('row')
      .filter({ hasText: 'manual' })
      .getByText('completed')
      .waitFor({ timeout: 120_000 });
    await page.getByTestId('dbaas-window-latest').waitFor();
    await screenshot(page, 'backups-tab');
    await page.getByRole('tab', { name: 'Overview' }).click();

    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByLabel('Type the database name to confirm').fill(name);
    await page
      .getByRole('dialog')
      .getByRole('button', { name: 'Delete' })
      .click();
    await page
      .getByText('This database does not exist')
      .waitFor({ timeout: 60_000 });

    await page.goto(`${portal().appUrl}/dbaas`);
    await page.getByText('Flavors').waitFor();
    expect(await page.getByRole('row').filter({ hasText: name }).count()).toBe(
      0,
    );
  });
}
