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

describe('the per-user create rate limit (3 per 2 s)', () => {
  let manager: Awaited<ReturnType<typeof startFastManager>>;

  beforeAll(async () => {
    manager = await startFastManager({
      users: ['alice', 'bob'],
      dbaas: { rateLimit: { creates: { limit: 3, windowSeconds: 2 } } },
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
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(refused.body.error.message).toBe(
      `Too many databases created by user:default/alice: at most 3 per 2 s; retry in ${retryAfter} s`,
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
