import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import { mockContext } from './__testUtils__/FakeManager';
import { RealManager, startRealManager } from './__testUtils__/realManager';
import { createCreateUserAction } from './createUser';
import { createUpdateInstanceAction } from './updateInstance';

jest.setTimeout(180_000);

describe('day-2 actions on the real Manager', () => {
  let real: RealManager;
  afterAll(() => real?.stop());

  it('sets a server parameter, then makes a user, each waiting until done', async () => {
    real = await startRealManager();
    const options = { token: real.session.token };
    const created = await real.session.api.createInstance(
      {
        name: 'day-two',
        owner: 'group:default/team-a',
        flavorId: postgresFlavor.id,
      },
      options,
    );
    await real.waitFor(created.id, 'running', i => i?.status === 'running');

    const update = createUpdateInstanceAction({ manager: real.manager });
    const updated = mockContext({
      instance: 'resource:default/day-two',
      parameters: { work_mem: 8 },
    });
    await update.handler(updated);

    expect(updated.output).toHaveBeenCalledWith('parameters', { work_mem: 8 });
    expect((await real.get(created.id))?.parameters).toEqual({ work_mem: 8 });

    const createUser = createCreateUserAction({ manager: real.manager });
    const made = mockContext({
      instance: 'day-two',
      name: 'reporting',
      role: 'readonly' as const,
    });
    await createUser.handler(made);

    expect(made.output).toHaveBeenCalledWith('name', 'reporting');
    expect(made.output).toHaveBeenCalledWith('role', 'readonly');
    const events = await real.session.api.listEvents(created.id, options);
    expect(events.filter(e => e.type === 'fault')).toEqual([]);
    expect(events.map(e => e.message)).toContainEqual(
      expect.stringMatching(/^user reporting \(readonly on \w+\) made/),
    );
    // no password in the task log
    const logged = JSON.stringify(made.logger.info.mock.calls);
    expect(logged).not.toMatch(/password:|:\/\/reporting:/);
  });
});
