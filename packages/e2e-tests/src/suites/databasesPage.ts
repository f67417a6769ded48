// Suites are functions so that portal.e2e.ts can run them all against one portal.
/* eslint-disable jest/no-export */
import { spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot, signInAsGuest } from '../browser';
import { Portal, repoRoot } from '../portal';

/** Runs the repository's `dbaas` CLI; `input` goes to its standard input. */
function dbaas(
  args: string[],
  env: Record<string, string>,
  input = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  // only what the test gives: no DBAAS_URL or DBAAS_TOKEN of the machine's
  const { DBAAS_URL, DBAAS_TOKEN, ...inherited } = process.env;
  return new Promise(resolve => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'plugins/dbaas-cli/bin/dbaas'), ...args],
      { env: { ...inherited, ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', c => (stdout += c));
    child.stderr.on('data', c => (stderr += c));
    child.on('exit', code => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

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

  it('signs the dbaas CLI in as the guest with the token from CLI access', async () => {
    await page.goto(`${portal().appUrl}/dbaas`);
    await page.getByRole('button', { name: 'CLI access' }).click();
    const dialog = page.getByRole('dialog', { name: 'CLI access' });
    const command = dialog.getByTestId('dbaas-cli-login-command');
    await command.getByText('dbaas login --url').waitFor();
    const shown = (await command.textContent())!;
    expect(shown).toBe(`dbaas login --url ${portal().backendUrl}`);
    await dialog.getByText('Paste it when').waitFor();
    expect(await dialog.getByTestId('dbaas-cli-token').count()).toBe(0);
    await screenshot(page, 'cli-access');

    await dialog.getByRole('button', { name: 'Reveal' }).click();
    const token = (await dialog.getByTestId('dbaas-cli-token').textContent())!;
    expect(token.split('.')).toHaveLength(3);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-cli-e2e-'));
    try {
      const env = { DBAAS_CONFIG: path.join(dir, 'config.json') };
      // the command as shown, with the token pasted when it asks
      const login = await dbaas(shown.split(' ').slice(1), env, `${token}\n`);
      expect(login.code).toBe(0);
      expect(login.stderr).toContain('Signed in as user:default/guest until');
      expect(login.stderr).not.toContain(token);

      // then every command is the guest's, by the saved login
      const flavors = await dbaas(['flavors', '--output', 'json'], env);
      expect(flavors).toMatchObject({ code: 0, stderr: '' });
      expect(flavors.stdout).toContain('postgresql-17-small');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
