import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  dockerOverSsh,
  HostRef,
  Runtime,
  SecretSealer,
} from '@dbaas/plugin-dbaas-node';
import { Ec2RuntimeConfig } from './config';
import { Ec2EngineRuntime } from './Ec2EngineRuntime';
import { Ec2HostProvider } from './Ec2HostProvider';
import { instanceTypeProblem } from './hostHints';

/**
 * Databases on EC2 VMs, one per instance: the host provider launches the VM, and the
 * Docker runtime runs the flavor's image on it over SSH. AWS credentials come from the
 * default chain (the backend's role, environment, or profile).
 */
export function createEc2Runtime(
  config: Ec2RuntimeConfig,
  deps: { secretBox: SecretSealer; logger: LoggerService },
): Runtime {
  // our own retries (awsErrors.withRetries) log each one, so the SDK's are off
  const clientConfig = {
    region: config.region,
    endpoint: config.endpoint,
    maxAttempts: 1,
  };
  const dockerFor = (
    host: HostRef,
    onHostKey?: (fingerprint: string) => void,
  ) => dockerOverSsh(host, deps.secretBox, onHostKey);
  return {
    name: 'ec2',
    host: new Ec2HostProvider({
      ec2: new EC2Client(clientConfig),
      ssm: new SSMClient(clientConfig),
      config,
      secretBox: deps.secretBox,
      logger: deps.logger,
      dockerFor,
    }),
    engine: new Ec2EngineRuntime(dockerFor, {
      startTimeoutSeconds: config.startTimeoutSeconds,
      configKey: 'dbaas.runtimes.ec2.startTimeoutSeconds',
    }),
    unsupportedReason: instanceTypeProblem,
  };
}
