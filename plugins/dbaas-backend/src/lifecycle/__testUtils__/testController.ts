import { mockServices } from '@backstage/backend-test-utils';
import { Runtime } from '@dbaas/plugin-dbaas-node';
import { SecretBox } from '../../crypto/SecretBox';
import { RuntimeRegistry } from '../../runtimes';
import { InstanceStore } from '../../store/InstanceStore';
import {
  postgresFlavor,
  TEST_ENCRYPTION_KEY,
} from '../../__testUtils__/fixtures';
import { InstanceNotifier } from '../InstanceNotifier';
import { LifecycleController, LifecycleOptions } from '../LifecycleController';

/**
 * A LifecycleController on one runtime, as a test replica runs it: replica-1, leases of 10 s,
 * health polled every 100 ms, the test flavor and key, a mock logger and a notifier on it;
 * `options` replace any of these. Its logger too, for the tests that read it.
 */
export function testController(
  store: InstanceStore,
  runtime: Runtime,
  options: Partial<LifecycleOptions> = {},
) {
  const runtimes = new RuntimeRegistry();
  runtimes.add(runtime);
  const logger = mockServices.logger.mock();
  const controller = new LifecycleController({
    store,
    runtimes,
    flavors: [postgresFlavor],
    secretBox: new SecretBox(TEST_ENCRYPTION_KEY),
    notifier: new InstanceNotifier({ logger }),
    logger,
    replicaId: 'replica-1',
    leaseMs: 10_000,
    healthPollMs: 100,
    ...options,
  });
  return { controller, logger };
}
