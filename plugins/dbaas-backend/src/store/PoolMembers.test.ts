import { createTestDatabases } from '../__testUtils__/testDatabases';
import { InstanceStore } from './InstanceStore';
import { PoolMembers } from './PoolMembers';

jest.setTimeout(60_000);

const databases = createTestDatabases(['POSTGRES_15', 'SQLITE_3']);

describe.each(databases.eachSupportedId())('PoolMembers on %p', databaseId => {
  let members: PoolMembers;
  const hostRef = {
    runtime: 'local',
    instanceId: 'x',
    address: '127.0.0.1',
    data: {},
  };
  const endpoint = { host: '127.0.0.1', port: 5, database: 'd', user: 'u' };

  beforeAll(async () => {
    const knex = await databases.init(databaseId);
    await InstanceStore.create(knex); // the migrations
    members = new PoolMembers(knex);
  });

  const addReady = async (id: string, image = 'img:1') => {
    await members.add({
      id,
      flavorId: 'f',
      runtime: 'local',
      image,
      sealedSecrets: 'sealed',
    });
    await members.ready(id, { hostRef, endpoint, sealedSecrets: 'sealed' });
  };

  it('hands each ready member to exactly one of many claims at once', async () => {
    await addReady('m1');
    await addReady('m2');
    await addReady('m3', 'img:old'); // of another image: never claimed for this one
    await members.add({
      id: 'm4',
      flavorId: 'f',
      runtime: 'local',
      image: 'img:1',
      sealedSecrets: 'sealed',
    }); // still warming

    const claims = await Promise.all(
      Array.from({ length: 6 }, () => members.claim('f', 'local', 'img:1')),
    );
    const claimed = claims.filter(Boolean).map(m => m!.id);
    expect(claimed.sort()).toEqual(['m1', 'm2']);
    expect(claims.filter(c => !c)).toHaveLength(4);

    // a released claim serves the next one; a taken member serves none
    await members.release('m1');
    expect(await members.take('m1')).toBe(true);
    expect(await members.claim('f', 'local', 'img:1')).toBeUndefined();
    expect(await members.take('m1')).toBe(false);
    const statuses = Object.fromEntries(
      (await members.list()).map(m => [m.id, m.status]),
    );
    expect(statuses).toEqual({
      m1: 'claimed',
      m2: 'claimed',
      m3: 'ready',
      m4: 'warming',
    });
  });
});
