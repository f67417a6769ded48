/*
 * Takes the screenshots of docs/images that show configuration-dependent parts of the portal:
 * the sign-in page with GitHub and guest, the Databases page's flavor table with a warm pool,
 * and the Create Database form's warm-pool hint. Starts the dev portal with a config that
 * names those (the warm pool capped at 0 members: nothing is started for it).
 *
 *   yarn workspace e2e-tests docs:screenshots
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { launchBrowser, pickOwner, settled } from './browser';
import { repoRoot, startPortal } from './portal';

const images = path.join(repoRoot, 'docs/images');

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-docs-shots-'));
  const config = path.join(dir, 'app-config.screenshots.yaml');
  fs.writeFileSync(
    config,
    [
      'app:',
      '  signIn:',
      '    providers: [github, guest]',
      'dbaas:',
      '  warmPool:',
      '    maxInstances: 0 # shows the config; starts nothing',
      '  flavors:',
      '    - id: postgresql-17-small',
      '      title: PostgreSQL 17 (small)',
      '      description: 1 vCPU, 1 GiB memory; for development and small services',
      '      engine: postgresql',
      "      version: '17'",
      '      image: dbaas/postgresql:17',
      '      runtimes: [local]',
      '      cpu: 1',
      '      memoryMiB: 1024',
      '      storageGiB: { min: 1, max: 50, default: 5 }',
      '      warmPool: { size: 2 }',
      '',
    ].join('\n'),
  );
  const portal = await startPortal({ extraConfigs: [config] });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({
      viewport: { width: 1400, height: 900 },
    });
    const shoot = async (name: string) => {
      await settled(page);
      await page.screenshot({ path: path.join(images, `${name}.png`) });
      console.log(`docs/images/${name}.png`);
    };

    await page.goto(portal.appUrl);
    await page.getByText('Sign in with your GitHub account').waitFor();
    await shoot('sign-in');

    await page.getByRole('button', { name: 'Enter' }).click();
    await page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Databases' })
      .click();
    await page.getByText('2 started ahead').waitFor();
    await page.getByText('2 started ahead').scrollIntoViewIfNeeded();
    await shoot('flavor-table');

    await page.goto(
      `${portal.appUrl}/create/templates/default/create-database`,
    );
    await page.locator('#root_name').fill('orders-db');
    await pickOwner(page, 'group:default/guests');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#dbaas-flavor').click();
    await page.getByRole('option', { name: /PostgreSQL 17 \(small\)/ }).click();
    await page.getByText(/ready in a moment \(warm pool\)/).waitFor();
    await shoot('create-database-warm-pool');
  } finally {
    await browser.close();
    await portal.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
