import {
  EngineSecrets,
  EngineSpec,
  HostRef,
  Runtime,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import { StoredInstance } from '../store/InstanceStore';
import {
  AdminTarget,
  createDatabase,
  createUser,
  dropDatabase,
  dropUser,
} from './engineObjects';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { Work } from './workerLease';

/** The operations that make or remove a user or a database inside the server. */
export const OBJECT_OPERATIONS = [
  'create-user',
  'delete-user',
  'create-database',
  'delete-database',
] as const;

/**
 * Makes or removes the user or database the operation names (`target`), as the server's
 * administrator, then records it. A create that fails removes what it may have made and its
 * record: nothing half-made stays.
 */
export async function objectOperation(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  runtime: Runtime,
  host: HostRef,
  spec: EngineSpec,
  secrets: EngineSecrets,
) {
  const operation = instance.operation!;
  const objects = lc.options.objects;
  const admin = runtime.engine.admin;
  if (!objects || !admin || !operation.target) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `the ${instance.runtime} runtime cannot manage users and databases`,
    );
  }
  const t: AdminTarget = { admin, host, spec, secrets };
  const name = operation.target;
  const kind = operation.type.endsWith('-user') ? 'user' : 'database';
  const record = await objects.get(instance.id, kind, name);
  let message: string;
  if (
    operation.type === 'create-user' ||
    operation.type === 'create-database'
  ) {
    if (!record) {
      message = `${kind} ${name} was removed before it was made`;
    } else {
      const make =
        kind === 'user'
          ? () =>
              createUser(t, {
                name,
                role: record.role!,
                database: record.database!,
                password: lc.options.secretBox.open<{ password: string }>(
                  record.secret!,
                ).password,
              })
          : () => createDatabase(t, name);
      try {
        await lc.call(instance, work, `making ${kind} ${name}`, make);
      } catch (error) {
        // work taken over or stopped: whoever resumes it makes the object
        if (!(error instanceof RuntimeFault) || work.signal.aborted)
          throw error;
        const undo =
          kind === 'user'
            ? () => dropUser(t, { name, database: record.database! })
            : () => dropDatabase(t, name);
        await lc
          .call(instance, work, `removing the half-made ${kind} ${name}`, undo)
          .catch(() => {});
        await objects.remove(instance.id, kind, name);
        throw error;
      }
      await objects.setStatus(instance.id, kind, name, 'ready');
      message =
        kind === 'user'
          ? `user ${name} (${record.role} on ${record.database}) made as ${operation.requestedBy} asked`
          : `database ${name} made as ${operation.requestedBy} asked`;
    }
  } else {
    const drop =
      kind === 'user'
        ? () =>
            dropUser(t, { name, database: record?.database ?? spec.database })
        : () => dropDatabase(t, name);
    await lc.call(instance, work, `removing ${kind} ${name}`, drop);
    await objects.remove(instance.id, kind, name);
    message = `${kind} ${name} removed as ${operation.requestedBy} asked`;
  }
  await lc.update(
    instance,
    work,
    { operation: null },
    {
      type: 'operation',
      message,
      actor: ACTOR,
      data: { operation: operation.type, [kind]: name },
    },
  );
  lc.options.managerMetrics?.operationEnded(
    operation.type,
    'done',
    operation.requestedAt,
  );
}
