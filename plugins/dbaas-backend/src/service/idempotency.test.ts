import {
  mockCredentials,
  mockServices,
  TestDatabaseId,
} from '@backstage/backend-test-utils';
import express from 'express';
import request from 'supertest';
import { IdempotencyStore } from '../store/IdempotencyStore';
import { InstanceStore } from '../store/InstanceStore';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { idempotent } from './idempotency';

jest.setTimeout(60_000);

const databases = createTestDatabases(['POSTGRES_15', 'SQLITE_3']);

/** A POST route behind the middleware that counts what it really did. */
async function appOn(id: TestDatabaseId) {
  const knex = await databases.init(id);
  await InstanceStore.create(knex); // runs the migrations
  const store = new IdempotencyStore(knex);
  const logger = mockServices.logger.mock();
  const done: unknown[] = [];
  let release: () => void = () => {};
  const app = express();
  app.use(express.json());
  app.post(
    '/things',
    idempotent({ store, httpAuth: mockServices.httpAuth(), logger }),
    async (req, res) => {
      if (req.body.slow) await new Promise<void>(r => (release = r));
      if (req.body.refuse) {
        res.status(400).json({ error: { message: 'refused' } });
        return;
      }
      done.push(req.body);
      res.status(201).json({ made: done.length, name: req.body.name });
    },
  );
  // the statuses Backstage's error middleware gives these errors
  app.use(
    (
      error: Error & { statusCode?: number },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      const status =
        error.statusCode ??
        ({ InputError: 400, ConflictError: 409 } as Record<string, number>)[
          error.name
        ] ??
        500;
      res
        .status(status)
        .json({ error: { name: error.name, message: error.message } });
    },
  );
  return { app, done, release: () => release(), store, knex };
}

describe.each(databases.eachSupportedId())('Idempotency-Key on %p', id => {
  it('answers a retry with the first answer and does the work once', async () => {
    const { app, done } = await appOn(id);
    const send = () =>
      request(app)
        .post('/things')
        .set('Idempotency-Key', 'task-1/provision')
        .send({ name: 'orders-db', size: 2 });

    const first = await send();
    const again = await request(app)
      .post('/things')
      .set('Idempotency-Key', 'task-1/provision')
      .send({ size: 2, name: 'orders-db' }); // the same request, keys in another order

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.header['idempotent-replayed']).toBe('true');
    expect(done).toHaveLength(1);
    // without a key every request is its own
    await request(app).post('/things').send({ name: 'orders-db', size: 2 });
    expect(done).toHaveLength(2);
  });

  it('refuses the same key with another request (422), and a key whose first request still runs (409)', async () => {
    const { app, done, release } = await appOn(id);
    await request(app)
      .post('/things')
      .set('Idempotency-Key', 'k1')
      .send({ name: 'a' })
      .expect(201);

    const other = await request(app)
      .post('/things')
      .set('Idempotency-Key', 'k1')
      .send({ name: 'b' });
    expect(other.status).toBe(422);
    expect(other.body.error.message).toBe(
      "Idempotency-Key 'k1' was first used with another request; use a new key for a new request",
    );

    const slow = request(app)
      .post('/things')
      .set('Idempotency-Key', 'k2')
      .send({ slow: true })
      .then(r => r);
    await new Promise(r => setTimeout(r, 300));
    const meanwhile = await request(app)
      .post('/things')
      .set('Idempotency-Key', 'k2')
      .send({ slow: true });
    expect(meanwhile.status).toBe(409);
    release();
    expect((await slow).status).toBe(201);
    expect(done).toHaveLength(2);
  });

  it('prunes the answers kept past their day, and only those', async () => {
    const { app, store, knex } = await appOn(id);
    for (const key of ['old', 'fresh']) {
      await request(app)
        .post('/things')
        .set('Idempotency-Key', key)
        .send({ name: key })
        .expect(201);
    }
    await knex('dbaas_idempotency')
      .where({ key: 'old' })
      .update({ expires_at_ms: 0 });
    expect(await store.prune()).toBe(1);
    expect(
      (await knex('dbaas_idempotency').select('key')).map(r => r.key),
    ).toEqual(['fresh']);
  });

  it('keeps no refusal: a retry after a 4xx runs again', async () => {
    const { app, done } = await appOn(id);
    const send = (body: object) =>
      request(app).post('/things').set('Idempotency-Key', 'k3').send(body);
    expect((await send({ refuse: true })).status).toBe(400);
    expect((await send({ name: 'fixed' })).status).toBe(201);
    expect(done).toEqual([{ name: 'fixed' }]);
  });

  it('keeps keys apart per caller and refuses a malformed key', async () => {
    const { app, done } = await appOn(id);
    const as = (user: string) =>
      request(app)
        .post('/things')
        .set('Authorization', mockCredentials.user.header(user))
        .set('Idempotency-Key', 'same-key')
        .send({ name: 'x' });
    expect((await as('user:default/alice')).body.made).toBe(1);
    expect((await as('user:default/bob')).body.made).toBe(2);
    expect(done).toHaveLength(2);

    const bad = await request(app)
      .post('/things')
      .set('Idempotency-Key', 'has spaces')
      .send({});
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(
      /^Idempotency-Key: must be 1 to 255/,
    );
  });
});
