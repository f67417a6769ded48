import crypto from 'crypto';
import request from 'supertest';
import {
  as,
  Server,
  sharedFlavor,
  startFastManager,
} from '../__testUtils__/managerApi';

jest.setTimeout(60_000);

/** Names unique to this run: the shared server may serve another run at the same time. */
const run = crypto.randomBytes(3).toString('hex');
const unique = (name: string) => `${name}-${run}`;

function create(
  server: Server,
  user: string,
  body: Record<string, unknown>,
  query = '',
) {
  return request(server)
    .post(`/api/dbaas/instances${query}`)
    .set('Authorization', as(user))
    .send({ flavorId: sharedFlavor.id, storageGiB: 1, ...body });
}

async function countNamed(server: Server, name: string) {
  const res = await request(server)
    .get(`/api/dbaas/instances?name=${name}`)
    .set('Authorization', as('alice'));
  return res.body.totalCount as number;
}

/** Long enough for four creates on a loaded machine, short enough to wait out. */
const WINDOW_S = 5;

describe(`the per-user create rate limit (3 per ${WINDOW_S} s)`, () => {
  let manager: Awaited<ReturnType<typeof startFastManager>>;

  beforeAll(async () => {
    manager = await startFastManager({
      users: ['alice', 'bob'],
      dbaas: { rateLimit: { creates: { limit: 3, windowSeconds: WINDOW_S } } },
    });
  });
  afterAll(() => manager?.stop());

  it('answers 429 with Retry-After at exactly the 4th create, leaves another user unaffected, and accepts again after Retry-After', async () => {
    const { server } = manager;
    const team = 'group:default/team-a';
    // neither refused input nor a dry run counts
    expect(
      (await create(server, 'alice', { name: 'X', owner: team })).status,
    ).toBe(400);
    expect(
      (
        await create(
          server,
          'alice',
          { name: unique('rl-dry'), owner: team },
          '?dryRun=true',
        )
      ).status,
    ).toBe(200);

    const started = Date.now();
    for (const n of [1, 2, 3]) {
      const res = await create(server, 'alice', {
        name: unique(`rl-${n}`),
        owner: team,
      });
      expect([n, res.status, res.body.error?.message]).toEqual([
        n,
        202,
        undefined,
      ]);
    }

    const refused = await create(server, 'alice', {
      name: unique('rl-4'),
      owner: team,
    });
    // (a machine too slow for four creates in the window fails here, saying so)
    expect(Date.now() - started).toBeLessThan(WINDOW_S * 1000);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
    expect(refused.body.error.message).toBe(
      `Too many databases created by user:default/alice: at most 3 per ${WINDOW_S} s; retry in ${retryAfter} s`,
    );
    expect(await countNamed(server, unique('rl-4'))).toBe(0);

    // a refused create is no hit: it does not push the window further
    const again = await create(server, 'alice', {
      name: unique('rl-4'),
      owner: team,
    });
    expect(again.status).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeLessThanOrEqual(
      retryAfter,
    );

    // another user has a budget of their own
    const bob = await create(server, 'bob', {
      name: unique('rl-bob'),
      owner: 'group:default/team-b',
    });
    expect(bob.status).toBe(202);
    await new Promise(r => setTimeout(r, retryAfter * 1000));
    const accepted = await create(server, 'alice', {
      name: unique('rl-4'),
      owner: team,
    });
    expect([accepted.status, accepted.body.error?.message]).toEqual([
      202,
      undefined,
    ]);
    expect(await countNamed(server, unique('rl-4'))).toBe(1);
  });
});

describe("an owner's quota", () => {
  let manager: Awaited<ReturnType<typeof startFastManager>>;
  const memberships = {
    'user:default/alice': [
      'group:default/count-team',
      'group:default/storage-team',
      'group:default/race-team',
    ],
  };

  beforeAll(async () => {
    manager = await startFastManager({
      users: ['alice'],
      memberships,
      dbaas: {
        rateLimit: { creates: { limit: 100, windowSeconds: 60 } },
        quotas: {
          owners: {
            'group:default/count-team': { maxInstances: 3, maxStorageGiB: 100 },
            'group:default/storage-team': {
              maxInstances: 10,
              maxStorageGiB: 5,
            },
            'group:default/race-team': { maxInstances: 10, maxStorageGiB: 5 },
          },
        },
      },
    });
  });
  afterAll(() => manager?.stop());

  /** Sends the creates at once; answers each status with its error message. */
  async function createInParallel(
    owner: string,
    names: string[],
    storageGiB: number,
  ) {
    const answers = await Promise.all(
      names.map(name =>
        create(manager.server, 'alice', {
          name: unique(name),
          owner,
          storageGiB,
        }),
      ),
    );
    return answers.map(a => ({
      status: a.status,
      message: a.body.error?.message,
    }));
  }

  async function usage(owner: string) {
    const res = await request(manager.server)
      .get(`/api/dbaas/instances?owner=${encodeURIComponent(owner)}&limit=100`)
      .set('Authorization', as('alice'));
    expect([res.status, res.body.error]).toEqual([200, undefined]);
    const items = res.body.items as Array<{ storageGiB: number }>;
    return {
      instances: items.length,
      storageGiB: items.reduce((sum, i) => sum + i.storageGiB, 0),
    };
  }

  it('admits exactly maxInstances of parallel creates; the others get 403 with the count', async () => {
    const owner = 'group:default/count-team';
    const answers = await createInParallel(
      owner,
      ['count-1', 'count-2', 'count-3', 'count-4', 'count-5', 'count-6'],
      1,
    );

    expect(answers.filter(a => a.status === 202)).toHaveLength(3);
    expect(answers.filter(a => a.status !== 202)).toEqual(
      Array(3).fill({
        status: 403,
        message: `Quota exceeded: ${owner} has 3 of 3 databases; delete one or ask your platform team to raise dbaas.quotas`,
      }),
    );
    expect(await usage(owner)).toEqual({ instances: 3, storageGiB: 3 });
  });

  it('refuses storage past maxStorageGiB with 403 naming used, requested and limit GiB', async () => {
    const owner = 'group:default/storage-team';
    expect((await createInParallel(owner, ['gib-1'], 3))[0].status).toBe(202);

    const [refused] = await createInParallel(owner, ['gib-2'], 3);
    expect(refused).toEqual({
      status: 403,
      message: `Quota exceeded: ${owner} uses 3 of 5 GiB; 3 GiB more does not fit`,
    });
    // a dry run answers the same, before anything is made
    const dryRun = await create(
      manager.server,
      'alice',
      { name: unique('gib-2'), owner, storageGiB: 3 },
      '?dryRun=true',
    );
    expect([dryRun.status, dryRun.body.error?.message]).toEqual([
      403,
      refused.message,
    ]);
    // what still fits is admitted, up to the limit exactly
    expect((await createInParallel(owner, ['gib-3'], 2))[0].status).toBe(202);
    expect(await usage(owner)).toEqual({ instances: 2, storageGiB: 5 });
  });

  it('admits parallel creates only as far as the storage limit reaches', async () => {
    const owner = 'group:default/race-team';
    const answers = await createInParallel(
      owner,
      ['race-1', 'race-2', 'race-3', 'race-4', 'race-5'],
      2,
    );

    expect(answers.filter(a => a.status === 202)).toHaveLength(2);
    for (const refused of answers.filter(a => a.status !== 202)) {
      expect(refused).toEqual({
        status: 403,
        message: `Quota exceeded: ${owner} uses 4 of 5 GiB; 2 GiB more does not fit`,
      });
    }
    expect(await usage(owner)).toEqual({ instances: 2, storageGiB: 4 });
  });
});
