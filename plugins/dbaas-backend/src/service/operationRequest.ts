import { ConflictError } from '@backstage/errors';
import { OperationType } from '@dbaas/plugin-dbaas-common';
import { EngineSecrets } from '@dbaas/plugin-dbaas-node';
import { generatePassword, SecretBox } from '../crypto/SecretBox';
import {
  InstanceStore,
  StaleInstanceError,
  StoredInstance,
} from '../store/InstanceStore';

const DONE: Record<OperationType, string> = {
  stop: 'stopped',
  start: 'started',
  restart: 'restarted',
  'rotate-credentials': 'given new credentials',
  upgrade: 'upgraded',
};

/**
 * Records a day-2 operation on the instance for a worker to do: only in the state it needs, and
 * only when no other is under way (409 naming which). A rotation's new password is sealed here,
 * before anything changes, so a crash cannot lose it.
 */
export async function requestOperation(
  deps: { store: InstanceStore; secretBox: SecretBox },
  instance: StoredInstance,
  type: OperationType,
  actor: string,
): Promise<StoredInstance> {
  if (instance.operation) {
    throw new ConflictError(
      `${instance.name} has a ${instance.operation.type} under way (asked by ${instance.operation.requestedBy} at ${instance.operation.requestedAt}); try again once it is done`,
    );
  }
  const needs = type === 'start' ? 'stopped' : 'running';
  if (instance.status !== needs) {
    throw new ConflictError(
      `Only a ${needs} database can be ${DONE[type]}; ${instance.name} is ${instance.status}`,
    );
  }
  const rotation = type === 'rotate-credentials';
  const pendingSecrets = rotation
    ? deps.secretBox.seal({
        ...deps.secretBox.open<EngineSecrets>(instance.sealedSecrets),
        password: generatePassword(),
      })
    : null;
  const requestedAt = new Date().toISOString();
  try {
    return await deps.store.updateInstance(
      instance.id,
      {
        operation: { type, requestedBy: actor, requestedAt },
        pendingSecrets,
        ...(rotation ? { rotationRequestedAt: requestedAt } : {}),
      },
      { type: 'operation', message: `${type} requested by ${actor}`, actor },
      // never over another request that came meanwhile (another replica, the scheduler)
      { status: needs, noOperation: true },
    );
  } catch (error) {
    if (error instanceof StaleInstanceError) {
      throw new ConflictError(
        `${instance.name} changed meanwhile; look again and retry`,
      );
    }
    throw error;
  }
}
