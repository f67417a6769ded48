import { Flavor } from '@dbaas/plugin-dbaas-common';
import {
  certificateNames,
  EngineSecrets,
  EngineSpec,
  HostRef,
  Runtime,
} from '@dbaas/plugin-dbaas-node';
import { StaleInstanceError, StoredInstance } from '../store/InstanceStore';
import { LifecycleContext } from './lifecycleContext';

/**
 * The secrets with a TLS certificate for every name the instance is reached by. One is
 * issued the first time (or when it no longer fits) and stored with the sealed secrets
 * before the engine sees it, so a repeated deploy or a restart serves the same one.
 */
export async function secretsWithTls(
  lc: LifecycleContext,
  instance: StoredInstance,
  runtime: Runtime,
  flavor: Flavor,
): Promise<EngineSecrets> {
  const { certificates, store, secretBox } = lc.options;
  if (!certificates || !instance.hostRef) return lc.secrets(instance);
  const names = tlsNamesOf(
    runtime,
    instance.hostRef,
    lc.engineSpec(instance, flavor),
  );
  for (let attempt = 0; ; attempt++) {
    const secrets = lc.secrets(instance);
    const { tls, reason } = await certificates.certificateFor(
      secrets.tls,
      names,
    );
    if (!reason) return secrets;
    const withTls = { ...secrets, tls };
    const hostRefText = JSON.stringify(instance.hostRef);
    const sealed = secretBox.seal(withTls);
    if (
      await store.swapSealed(
        {
          id: instance.id,
          secrets: instance.sealedSecrets,
          hostRef: hostRefText,
        },
        { id: instance.id, secrets: sealed, hostRef: hostRefText },
      )
    ) {
      instance.sealedSecrets = sealed;
      lc.options.logger.info(
        `TLS certificate for instance ${instance.id} issued for ${names.join(
          ', ',
        )} (${reason})`,
      );
      return withTls;
    }
    // sealed again meanwhile (a reseal): read it again
    const fresh = await store.getInstance(instance.id);
    if (!fresh || attempt >= 3) {
      throw new StaleInstanceError(instance.id);
    }
    Object.assign(instance, fresh);
  }
}

/** Every name a server on `host` is reached by, for its certificate. */
export function tlsNamesOf(
  runtime: Runtime,
  host: HostRef,
  spec: EngineSpec,
): string[] {
  return certificateNames([
    host.address,
    ...(runtime.engine.tlsNames?.(host, spec) ?? []),
    'localhost',
    '127.0.0.1',
    '::1',
  ]);
}
