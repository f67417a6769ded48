// Suites are functions so that portal.e2e.ts can run them all against one portal.
/* eslint-disable jest/no-export */
import fs from 'fs';
import path from 'path';
import { Client } from 'pg';
import yaml from 'yaml';
import { api, guestToken, runTemplate, waitForApi } from '../backstageApi';
import { portFree } from '../leftovers';
import { Portal, repoRoot } from '../portal';

const catalogPath =
  '/api/catalog/entities/by-name/resource/default/e2e-orders-db';

const values = {
  name: 'e2e-orders-db',
  owner: 'group:default/guests',
  component: 'component:default/orders-service',
  flavor: { flavorId: 'postgresql-17-small', storageGiB: 2, runtime: 'local' },
  deletionProtection: false,
};

/** The Create Database and Delete Database templates, run through the scaffolder's REST API. */
export function createDatabaseTemplateTests(portal: () => Portal) {
  it('creates nothing on a dry run', async () => {
    const { backendUrl } = portal();
    const token = await guestToken(backendUrl);
    const template = yaml.parse(
      fs.readFileSync(
        path.join(repoRoot, 'templates/create-database/template.yaml'),
        'utf8',
      ),
    );

    const dryRun = await api(backendUrl, token, '/api/scaffolder/v2/dry-run', {
      method: 'POST',
      body: { template, values, secrets: {}, directoryContents: [] },
    });

    expect(dryRun.status).toBe(200);
    const log = dryRun.body.log.map((l: any) => l.body.message).join('\n');
    expect(log).toContain(
      'Dry run: would create e2e-orders-db (postgresql-17-small, 2 GiB on local) for group:default/guests',
    );
    const list = await api(
      backendUrl,
      token,
      '/api/dbaas/instances?name=e2e-orders-db',
    );
    expect(list.body).toEqual({ items: [], totalCount: 0 });
  });

  it('creates a PostgreSQL database that keeps a row, then deletes it leaving nothing', async () => {
    const { backendUrl, appUrl } = portal();
    const token = await guestToken(backendUrl);

    const created = await runTemplate(
      backendUrl,
      token,
      'template:default/create-database',
      values,
    );

    expect(created.status).toBe('completed');
    expect(created.log.join('\n')).toMatch(
      /e2e-orders-db: provisioning, phase host_ready/,
    );
    const instanceUrl = created.output.links[0].url as string;
    expect(instanceUrl).toMatch(new RegExp(`^${appUrl}/dbaas/instances/`));
    expect(created.output.links[1].entityRef).toBe(
      'resource:default/e2e-orders-db',
    );
    const instanceId = instanceUrl.split('/').pop()!;

    // the catalog has the database as a Resource, owned as asked, serving its component
    const resource = await waitForApi(
      backendUrl,
      token,
      catalogPath,
      'the Resource of e2e-orders-db in the catalog',
      ({ status }) => status === 200,
    );
    expect(resource.body).toMatchObject({
      kind: 'Resource',
      metadata: { name: 'e2e-orders-db' },
      spec: {
        type: 'database',
        owner: 'group:default/guests',
        dependencyOf: ['component:default/orders-service'],
      },
    });

    const instance = await api(
      backendUrl,
      token,
      `/api/dbaas/instances/${instanceId}`,
    );
    expect(instance.body).toMatchObject({
      status: 'running',
      health: 'healthy',
      owner: 'group:default/guests',
      createdBy: 'user:default/guest',
      component: 'component:default/orders-service',
    });
    const credentials = await api(
      backendUrl,
      token,
      `/api/dbaas/instances/${instanceId}/credentials`,
    );
    expect(credentials.status).toBe(200);
    // the password is in no task log or output
    expect(JSON.stringify(created)).not.toContain(credentials.body.password);

    const { host, port, database, username, password } = credentials.body;
    const client = new Client({
      host,
      port,
      database,
      user: username,
      password,
    });
    await client.connect();
    await client.query('CREATE TABLE orders (id INT PRIMARY KEY, item TEXT)');
    await client.query("INSERT INTO orders VALUES (1, 'espresso')");
    const rows = (await client.query('SELECT item FROM orders')).rows;
    await client.end();
    expect(rows).toEqual([{ item: 'espresso' }]);

    const deleted = await runTemplate(
      backendUrl,
      token,
      'template:default/delete-database',
      {
        instanceId,
      },
    );

    expect(deleted.status).toBe('completed');
    expect(deleted.log.join('\n')).toContain(
      'Database e2e-orders-db is deleted',
    );
    expect(
      (await api(backendUrl, token, `/api/dbaas/instances/${instanceId}`))
        .status,
    ).toBe(404);
    expect(await portFree(port)).toBe(true);
    // and the catalog lets it go (with the provider's next full refresh)
    await waitForApi(
      backendUrl,
      token,
      catalogPath,
      'the Resource of e2e-orders-db to leave the catalog',
      ({ status }) => status === 404,
    );
    const dataDir = portal().dataDir;
    expect(dataDir && fs.existsSync(path.join(dataDir, instanceId))).toBe(
      false,
    );
  });

  it('fails the step with a message naming the field, creating nothing', async () => {
    const { backendUrl } = portal();
    const token = await guestToken(backendUrl);

    const result = await runTemplate(
      backendUrl,
      token,
      'template:default/create-database',
      {
        ...values,
        name: 'e2e-too-big',
        flavor: {
          flavorId: 'postgresql-17-small',
          storageGiB: 5000,
          runtime: 'local',
        },
      },
    );

    expect(result.status).toBe('failed');
    expect(result.log.join('\n')).toContain(
      'storageGiB: must be between 1 and 50 GiB for flavor postgresql-17-small (got 5000)',
    );
    const list = await api(
      backendUrl,
      token,
      '/api/dbaas/instances?name=e2e-too-big',
    );
    expect(list.body.totalCount).toBe(0);
  });
}
