import { postgresFlavor, until } from '@dbaas/plugin-dbaas-node/testUtils';
import { mockContext } from './__testUtils__/FakeManager';
import { RealManager, startRealManager } from './__testUtils__/realManager';
import { createRestoreInstanceAction } from './restoreInstance';

jest.setTimeout(180_000);

describe('dbaas:instance:restore on the real Manager', () => {
  let real: RealManager;
  let sourceId: string;

  beforeAll(async () => {
    real = await startRealManager();
    const options = { token: real.session.token };
    const source = await real.session.api.createInstance(
      {
        name: 'restore-src',
        owner: 'group:default/team-a',
        flavorId: postgresFlavor.id,
      },
      options,
    );
    sourceId = source.id;
    await real.waitFor(sourceId, 'running', i => i?.status === 'running');
    const started = await real.session.api.createBackup(sourceId, options);
    await until(
      `backup ${started.id} to complete`,
      () => real.session.api.getBackup(started.id, options),
      b => b.status === 'completed',
      { timeoutMs: 90_000, intervalMs: 200, show: b => JSON.stringify(b) },
    );
  });
  afterAll(() => real?.stop());

  it.each([
    ['its latest backup', { backupId: 'latest' }],
    ['the end of its recovery window', { pointInTime: 'window' }],
  ])(
    'restores the source by name from %s into a running database',
    async (_what, from) => {
      const name = `restored-${Object.keys(from)[0].toLowerCase()}`;
      let input: Record<string, unknown> = { name, source: 'restore-src' };
      if ('pointInTime' in from) {
        const window = await real.session.api.getRecoveryWindow(sourceId, {
          token: real.session.token,
        });
        input = { ...input, pointInTime: window.latest };
      } else {
        input = { ...input, ...from };
      }
      const action = createRestoreInstanceAction({
        manager: real.manager,
        appBaseUrl: 'http://localhost:3000',
      });
      const ctx = mockContext(input as any);

      await action.handler(ctx);

      const outputs = Object.fromEntries(
        (ctx.output as jest.Mock).mock.calls as [string, unknown][],
      );
      const restored = await real.get(outputs.instanceId as string);
      const source = await real.get(sourceId);
      expect(restored).toMatchObject({
        name,
        status: 'running',
        owner: 'group:default/team-a',
        flavorId: postgresFlavor.id,
        storageGiB: source!.storageGiB,
      });
      expect(outputs).toEqual({
        instanceId: restored!.id,
        name,
        host: restored!.endpoint!.host,
        port: restored!.endpoint!.port,
        database: source!.endpoint!.database,
        entityRef: `resource:default/${name}`,
        instanceUrl: `http://localhost:3000/dbaas/instances/${restored!.id}`,
      });
    },
  );
});
