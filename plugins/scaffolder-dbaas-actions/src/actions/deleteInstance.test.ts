import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createDeleteInstanceAction } from './deleteInstance';

function context(extra: Record<string, unknown> = {}) {
  return mockContext({ instanceId: 'i-1' }, extra);
}

describe('dbaas:instance:delete', () => {
  it('deletes and waits until the instance is gone', async () => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running' }, { status: 'deleting' }, 'gone'];
    const ctx = context();

    await createDeleteInstanceAction({ manager }).handler(ctx);

    expect(manager.called('deleteInstance').map(c => c.args)).toEqual([
      ['i-1'],
    ]);
    expect(ctx.logger.info).toHaveBeenLastCalledWith(
      'Database orders-db is deleted',
    );
  });

  it('refuses while deletion protection is on, naming the field, and deletes nothing', async () => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running', deletionProtection: true }];

    await expect(
      createDeleteInstanceAction({ manager }).handler(context()),
    ).rejects.toThrow(
      'deletionProtection: database orders-db is protected from deletion',
    );
    expect(manager.called('deleteInstance')).toEqual([]);
  });

  it('deletes nothing on a dry run', async () => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running' }];

    await createDeleteInstanceAction({ manager }).handler(
      context({ isDryRun: true }),
    );

    expect(manager.called('deleteInstance')).toEqual([]);
  });
});
