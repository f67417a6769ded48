import { LoggerService } from '@backstage/backend-plugin-api';
import { SecretBox } from '../crypto/SecretBox';
import { ACTOR } from '../lifecycle/lifecycleContext';
import { InstanceStore } from '../store/InstanceStore';
import { requestOperation } from './operationRequest';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Asks for a credential rotation of every running instance whose schedule came due (every
 * `rotationDays` since the last rotation was asked for, or since it was ready); returns their
 * ids. One whose state does not allow it now (an operation under way) is asked next time.
 */
export async function rotateDue(
  deps: {
    store: InstanceStore;
    secretBox: SecretBox;
    logger: LoggerService;
    kick: (id: string) => void;
  },
  now = new Date(),
): Promise<string[]> {
  const asked: string[] = [];
  for (const instance of await deps.store.listInstances({
    statuses: ['running'],
  })) {
    if (!instance.rotationDays || instance.operation) continue;
    const since = Date.parse(
      instance.rotationRequestedAt ?? instance.readyAt ?? instance.createdAt,
    );
    if (now.getTime() - since < instance.rotationDays * DAY_MS) continue;
    try {
      await requestOperation(deps, instance, 'rotate-credentials', ACTOR);
      deps.kick(instance.id);
      asked.push(instance.id);
    } catch (error) {
      deps.logger.warn(
        `Scheduled credential rotation of ${instance.name} not asked for now: ${error}`,
      );
    }
  }
  return asked;
}
