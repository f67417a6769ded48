/*
 * Runs one LifecycleController in its own process whose runtime stops dead right after the
 * server was deployed, before the engine could record it: the test then SIGKILLs it.
 */
import knexFactory from 'knex';
import { SecretBox } from '../../crypto/SecretBox';
import { RuntimeRegistry } from '../../runtimes';
import { createLocalRuntime } from '../../runtimes/local';
import { EngineRuntime } from '@dbaas/plugin-dbaas-node';
import { InstanceStore } from '../../store/InstanceStore';
import { silentLogger } from '../../__testUtils__/fixtures';
import { LifecycleController } from '../LifecycleController';
import { InstanceNotifier } from '../InstanceNotifier';

async function main() {
  const env = JSON.parse(process.env.CRASHING_ENGINE!);
  const knex = knexFactory({ client: 'pg', connection: env.connection });
  const store = await InstanceStore.create(knex, { skipMigrations: true });
  const local = createLocalRuntime({ dataDir: env.dataDir, host: '127.0.0.1' });
  const engine: EngineRuntime = Object.create(local.engine);
  engine.deploy = async (...args) => {
    const endpoint = await local.engine.deploy(...args);
    process.stdout.write(`DEPLOYED ${endpoint.port}\n`);
    return new Promise(() => {});
  };
  const runtimes = new RuntimeRegistry();
  runtimes.add({ ...local, engine });
  const logger = silentLogger;
  new LifecycleController({
    store,
    runtimes,
    flavors: env.flavors,
    secretBox: new SecretBox(env.key),
    notifier: new InstanceNotifier({ logger }),
    logger,
    replicaId: 'replica-that-dies',
    leaseMs: env.leaseMs,
  }).kick(env.instanceId);
}

main().catch(error => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
