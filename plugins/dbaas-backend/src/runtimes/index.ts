import { Config } from '@backstage/config';
import {
  Flavor,
  InvalidConfigError,
  RuntimeName,
  runtimeNameSchema,
} from '@dbaas/plugin-dbaas-common';
import {
  Runtime,
  RuntimeRegistration,
  SecretSealer,
} from '@dbaas/plugin-dbaas-node';
import { DbaasConfig } from '../config/readDbaasConfig';
import { LoggerService } from '@backstage/backend-plugin-api';
import { createDockerRuntime } from './docker';
import { createLocalRuntime } from './local';

const BUILT_IN = ['local', 'docker'];

/**
 * The runtime, refusing a flavor whose `runtimes` list leaves it out (its image does not exist
 * there) before asking the runtime itself: the API's 400 and the form's runtime choice both
 * follow `unsupportedReason`.
 */
function boundByFlavors(runtime: Runtime): Runtime {
  const bound: Runtime = Object.create(runtime);
  bound.unsupportedReason = (flavor: Flavor) =>
    flavor.runtimes && !flavor.runtimes.includes(runtime.name)
      ? `flavor ${flavor.id} is served only on ${flavor.runtimes.join(', ')}`
      : runtime.unsupportedReason(flavor);
  return bound;
}

/** The runtimes this Manager can use, by name: the only list of runtimes there is. */
export class RuntimeRegistry {
  private readonly runtimes = new Map<RuntimeName, Runtime>();

  /** A second runtime of the same name is a start-up error, never a silent replacement. */
  add(runtime: Runtime) {
    const name = runtimeNameSchema.safeParse(runtime.name);
    if (!name.success) {
      throw new Error(
        `A runtime named '${runtime.name}' cannot be registered: the name ${name.error.issues[0].message}`,
      );
    }
    if (this.runtimes.has(runtime.name)) {
      throw new Error(
        `Two runtimes are named '${runtime.name}': remove one of the modules (or built-in configs) that register it`,
      );
    }
    this.runtimes.set(runtime.name, boundByFlavors(runtime));
  }

  /**
   * Makes each module's runtime whose `dbaas.runtimes.<name>` block is configured; a module
   * installed without its block is left out, with a note in the log.
   */
  async addFromModules(
    registrations: RuntimeRegistration[],
    deps: { config: Config; logger: LoggerService; secrets: SecretSealer },
  ) {
    const known = [...BUILT_IN, ...registrations.map(r => r.name)];
    for (const name of deps.config
      .getOptionalConfig('dbaas.runtimes')
      ?.keys() ?? []) {
      if (!known.includes(name)) {
        throw new InvalidConfigError(
          `dbaas.runtimes.${name}`,
          `no installed runtime is named '${name}'; installed: ${known.join(
            ', ',
          )} (a runtime module adds its name: add its package to the backend)`,
        );
      }
    }
    for (const registration of registrations) {
      const key = `dbaas.runtimes.${registration.name}`;
      const block = deps.config.getOptionalConfig(key);
      if (!block) {
        deps.logger.info(
          `The ${registration.name} runtime module is installed but ${key} is not configured: it is not offered`,
        );
        continue;
      }
      const runtime = await registration.create({
        config: block,
        logger: deps.logger.child({ runtime: registration.name }),
        secrets: deps.secrets,
      });
      if (runtime.name !== registration.name) {
        throw new Error(
          `The runtime module registered as '${registration.name}' made a runtime named '${runtime.name}'`,
        );
      }
      this.add(runtime);
    }
  }

  get(name: RuntimeName): Runtime | undefined {
    return this.runtimes.get(name);
  }

  names(): RuntimeName[] {
    return [...this.runtimes.keys()];
  }

  list(): Runtime[] {
    return [...this.runtimes.values()];
  }
}

/** The built-in runtimes from config; modules add others through the extension point. */
export function createBuiltInRuntimes(config: DbaasConfig): Runtime[] {
  const runtimes = config.runtimes.local.enabled
    ? [createLocalRuntime(config.runtimes.local)]
    : [];
  if (config.runtimes.docker) {
    runtimes.push(createDockerRuntime(config.runtimes.docker));
  }
  return runtimes;
}
