import { mockServices } from '@backstage/backend-test-utils';
import { TEST_ENCRYPTION_KEY } from '@dbaas/plugin-dbaas-node/testUtils';
import { newInstance, REQUESTED } from '../__testUtils__/fixtures';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { SecretBox } from '../crypto/SecretBox';
import { InstanceStore } from '../store/InstanceStore';
import { rotateDue } from './rotationSchedule';

jest.setTimeout(60_000);

const databases = createTestDatabases(['SQLITE_3']);
const DAY = 24 * 3600 * 1000;

describe('scheduled credential rotation', () => {
  it('asks for a rotation once its days have passed since the last, with a new sealed password', async () => {
    const store = await InstanceStore.create(await databases.init('SQLITE_3'));
    const secretBox = new SecretBox(TEST_ENCRYPTION_KEY);
    const running = async (name: string, rotationDays: number | null) => {
      const created = await store.createInstance(
        newInstance({ name }, secretBox),
        REQUESTED,
      );
      return store.updateInstance(created.id, {
        status: 'running',
        readyAt: new Date().toISOString(),
        rotationDays,
      });
    };
    const weekly = await running('weekly-db', 7);
    await running('never-db', null);
    const kicked: string[] = [];
    const deps = {
      store,
      secretBox,
      logger: mockServices.logger.mock(),
      kick: (id: string) => kicked.push(id),
    };

    expect(await rotateDue(deps, new Date(Date.now() + 6 * DAY))).toEqual([]);
    expect(
      await rotateDue(deps, new Date(Date.now() + 7 * DAY + 1000)),
    ).toEqual([weekly.id]);
    expect(kicked).toEqual([weekly.id]);
    const asked = (await store.getInstance(weekly.id))!;
    expect(asked.operation).toMatchObject({
      type: 'rotate-credentials',
      requestedBy: 'dbaas',
    });
    const next = secretBox.open<{ password: string }>(asked.pendingSecrets!);
    const current = secretBox.open<{ password: string }>(asked.sealedSecrets);
    expect(next.password).not.toBe(current.password);
    // under way: not asked again; done, the next is due a week after this one was asked
    expect(await rotateDue(deps, new Date(Date.now() + 8 * DAY))).toEqual([]);
    await store.updateInstance(weekly.id, {
      operation: null,
      pendingSecrets: null,
    });
    expect(await rotateDue(deps, new Date(Date.now() + 6 * DAY))).toEqual([]);
    expect(
      await rotateDue(deps, new Date(Date.now() + 7 * DAY + 1000)),
    ).toEqual([weekly.id]);
  });
});
