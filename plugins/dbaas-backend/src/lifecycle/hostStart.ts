import { EngineSecrets, HostRef, Runtime } from '@dbaas/plugin-dbaas-node';
import { StoredInstance } from '../store/InstanceStore';
import { secretsWithTls } from './instanceTls';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { Work } from './workerLease';

/**
 * Starts a host that stops (a VM), for a start or a flavor change; the host ref it came back
 * as, when changed, and the secrets its server is to serve. A host back at another address (a
 * public address) is recorded before its server starts and the certificate is issued again
 * to name it: clients verify the host name, and the server reads its certificate as it starts.
 */
export async function startHost(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  runtime: Runtime,
  host: HostRef,
  secrets: EngineSecrets,
): Promise<{ hostRef?: HostRef; secrets: EngineSecrets }> {
  const hostRef =
    (await lc.call(instance, work, 'starting the host', ctx =>
      runtime.host.start!(host, ctx),
    )) || undefined;
  if (!hostRef || hostRef.address === host.address) return { hostRef, secrets };
  await lc.update(
    instance,
    work,
    { hostRef },
    {
      type: 'operation',
      message: `the host came back at ${hostRef.address} (was ${host.address})`,
      actor: ACTOR,
      data: { operation: instance.operation?.type, address: hostRef.address },
    },
  );
  const { flavor } = lc.resolve(instance);
  return {
    hostRef,
    secrets: await secretsWithTls(lc, instance, runtime, flavor),
  };
}
