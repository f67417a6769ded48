import { RuntimeName } from '@dbaas/plugin-dbaas-common';
import { DbaasConfig } from '../config/readDbaasConfig';
import { LoggerService } from '@backstage/backend-plugin-api';
import { SecretBox } from '../crypto/SecretBox';
import { createDockerRuntime } from './docker';
import { createEc2Runtime } from './ec2';
import { createKubernetesRuntime } from './kubernetes/KubernetesRuntime';
import { createLocalRuntime } from './local';
import { Runtime } from './types';

export * from './types';

/** The runtimes this Manager can use, by name. */
export class RuntimeRegistry {
  private readonly runtimes = new Map<RuntimeName, Runtime>();

  add(runtime: Runtime) {
    this.runtimes.set(runtime.name, runtime);
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
export function createBuiltInRuntimes(
  config: DbaasConfig,
  deps: { secretBox: SecretBox; logger: LoggerService },
): Runtime[] {
  const runtimes = [createLocalRuntime(config.runtimes.local)];
  if (config.runtimes.docker) {
    runtimes.push(createDockerRuntime(config.runtimes.docker));
  }
  if (config.runtimes.kubernetes) {
    runtimes.push(createKubernetesRuntime(config.runtimes.kubernetes));
  }
  if (config.runtimes.ec2) {
    runtimes.push(createEc2Runtime(config.runtimes.ec2, deps));
  }
  return runtimes;
}
