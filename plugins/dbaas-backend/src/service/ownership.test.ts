import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import fs from 'fs';
import request from 'supertest';
import { deleteAndWait } from '../__testUtils__/managerApi';
import { startTestManager } from '../testUtils';

jest.setTimeout(120_000);

const claimsOf: Record<string, string[]> = {
  'user:default/alice': ['user:default/alice', 'group:default/team-a'],
  'user:default/bob': ['user:default/bob', 'group:default/team-b'],
};
const token = (user: string) => `Bearer ${mockCredentials.user.token(user)}`;

describe('the owner rule', () => {
  it('lets users create only for themselves and their groups (admins for anyone), and shows and lets delete a database only to its owners', async () => {
    const permissions = mockServices.permissions.mock({
      // creating for any owner is for admins only
      authorize: async (requests, { credentials }) =>
        requests.map(({ permission }) => ({
          result:
            permission.name !== 'dbaas.instance.create.any-owner' ||
            (credentials.principal as any).userEntityRef ===
              'user:default/admin'
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
        })),
      authorizeConditional: async (requests, { credentials }) =>
        requests.map(() => ({
          result: AuthorizeResult.CONDITIONAL,
          pluginId: 'dbaas',
          resourceType: 'dbaas-instance',
          conditions: {
            rule: 'IS_INSTANCE_OWNER',
            resourceType: 'dbaas-instance',
            params: {
              claims: claimsOf[(credentials.principal as any).userEntityRef],
            },
          },
        })) as any,
    });
    const { server, dataDir } = await startTestManager({
      features: [permissions.factory],
    });

    const create = (user: string, name: string, owner: string, query = '') =>
      request(server)
        .post(`/api/dbaas/instances${query}`)
        .set('Authorization', token(user))
        .send({ name, owner, flavorId: 'postgresql-17-small' });
    const dryRun = (user: string, owner: string) =>
      create(user, 'x-db', owner, '?dryRun=true');
    const foreign = await dryRun('user:default/bob', 'group:default/team-a');
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toBe(
      'owner: you may create databases only for yourself or a group you are a member of (user:default/bob, group:default/team-b); group:default/team-a is not one of them',
    );
    expect(
      (await dryRun('user:default/admin', 'group:default/team-a')).status,
    ).toBe(200);
    expect((await dryRun('user:default/bob', 'user:default/bob')).status).toBe(
      200,
    );
    // a real create for another team: refused before anything starts
    const refused = await create(
      'user:default/bob',
      'bobs-db',
      'group:default/team-a',
    );
    expect(refused.status).toBe(403);
    expect(fs.readdirSync(dataDir).filter(f => !f.startsWith('.'))).toEqual([]);

    const created = await create(
      'user:default/alice',
      'team-a-db',
      'group:default/team-a',
    );
    expect(created.status).toBe(202);
    const url = `/api/dbaas/instances/${created.body.id}`;

    const aliceList = await request(server)
      .get('/api/dbaas/instances')
      .set('Authorization', token('user:default/alice'));
    expect(aliceList.body.items.map((i: any) => i.name)).toEqual(['team-a-db']);
    const bobList = await request(server)
      .get('/api/dbaas/instances')
      .set('Authorization', token('user:default/bob'));
    expect(bobList.body).toEqual({ items: [], totalCount: 0 });

    expect(
      (
        await request(server)
          .get(url)
          .set('Authorization', token('user:default/bob'))
      ).status,
    ).toBe(404);
    const bobDelete = await request(server)
      .delete(url)
      .set('Authorization', token('user:default/bob'));
    expect(bobDelete.status).toBe(403);
    expect(bobDelete.body.error.message).toBe(
      'You may not delete database team-a-db',
    );

    expect(
      (
        await deleteAndWait(
          server,
          token('user:default/alice'),
          created.body.id,
        )
      ).status,
    ).toBe(202);
    expect(fs.readdirSync(dataDir).filter(f => !f.startsWith('.'))).toEqual([]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
