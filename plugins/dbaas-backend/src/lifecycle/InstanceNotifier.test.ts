import { mockServices } from '@backstage/backend-test-utils';
import { toPublicInstance } from '../store/InstanceStore';
import { newInstance } from '../__testUtils__/fixtures';
import { DBAAS_SIGNAL_CHANNEL, InstanceNotifier } from './InstanceNotifier';

describe('InstanceNotifier', () => {
  it('signals a change to the owner and the creator only, never to everyone', async () => {
    const publish = jest.fn(async () => {});
    const notifier = new InstanceNotifier({
      logger: mockServices.logger.mock(),
      signals: { publish },
    });
    const now = new Date().toISOString();
    const instance = toPublicInstance({
      ...newInstance({
        owner: 'group:default/team-a',
        createdBy: 'user:default/alice',
      }),
      createdAt: now,
      updatedAt: now,
      readyAt: null,
      deletedAt: null,
      hostRef: null,
      cleanupPending: false,
      retryAttempts: 0,
      lastError: null,
      finalBackup: null,
      operation: null,
      pendingSecrets: null,
      rotationDays: null,
      rotationRequestedAt: null,
      storageUsedBytes: null,
      storageMeasuredAt: null,
      storageState: 'ok',
      storageReadOnly: false,
      parameters: {},
      image: null,
      maintenanceWindow: null,
      deferredOperation: null,
      fromPool: false,
    });

    await notifier.changed(instance);

    expect(publish).toHaveBeenCalledWith({
      recipients: {
        type: 'user',
        entityRef: ['group:default/team-a', 'user:default/alice'],
      },
      channel: DBAAS_SIGNAL_CHANNEL,
      message: {
        id: instance.id,
        status: 'provisioning',
        phase: 'requested',
        health: 'unknown',
      },
    });
  });
});
