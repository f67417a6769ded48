import { mockCredentials } from '@backstage/backend-test-utils';
import fs from 'fs';
import request from 'supertest';
import { deleteAndWait } from '../__testUtils__/managerApi';
import { ownerRulePermissions } from '../__testUtils__/ownerPolicy';
import { startTestManager } from '../testUtils';

jest.setTimeout(120_000);

const token = (user: string) => `Bearer ${mockCredentials.user.token(user)}`;

describe('the owner rule', () => {
  it('lets users create only for themselves and their groups (admins for anyone), and shows and lets delete a database only to its owners', async () => {
    const permissions = ownerRulePermissions();
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
    // one he may not even see does not exist for him: no hint that the name is taken
    expect(bobDelete.status).toBe(404);
    expect(bobDelete.body.error.message).toBe(
      `No database instance with id ${created.body.id}`,
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
