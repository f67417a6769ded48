/*
 * Benchmark: create → ready of a PostgreSQL instance on the Docker runtime, against a bare
 * `docker run` of the same image, configured alike (limits, TLS, WAL archiving), until the
 * engine answers a query, in the same run.
 * Prints the medians and their ratio; the goal is a ratio of at most 1.05.
 *
 *   yarn bench:docker [rounds]      (needs a Docker engine and images/build.sh)
 */
import Docker from 'dockerode';
import knexFactory from 'knex';
import { Client } from 'pg';
import {
  EngineTls,
  IMAGE_UID,
  postgresSsl,
  SECRETS_DIR,
  tarFiles,
  WAL_SPOOL_PATH,
} from '@dbaas/plugin-dbaas-node';
import { SecretBox } from '../src/crypto/SecretBox';
import { LifecycleController } from '../src/lifecycle/LifecycleController';
import { InstanceNotifier } from '../src/lifecycle/InstanceNotifier';
import { RuntimeRegistry } from '../src/runtimes';
import { createDockerRuntime } from '../src/runtimes/docker';
import { InstanceStore } from '../src/store/InstanceStore';
import {
  newInstance,
  silentLogger,
  TEST_ENCRYPTION_KEY,
} from '../src/__testUtils__/fixtures';
import { benchCertificates, report } from './report';

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const flavor = {
  id: 'postgresql-15-docker',
  engine: 'postgresql' as const,
  version: '15',
  image: 'dbaas/postgresql:15',
  cpu: 1,
  memoryMiB: 512,
  storageGiB: { min: 1, max: 5, default: 1 },
};

async function answers(
  port: number,
  user: string,
  password: string,
  database: string,
  tls: EngineTls,
) {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    connectionTimeoutMillis: 1000,
    ssl: postgresSsl(tls),
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The same image with what a careful `docker run` would give it too: the flavor's memory and
 * CPU limits, a certificate and key (copied in before the start, as the runtime does), the
 * passwords as files and a WAL spool volume to archive into. The difference left is the
 * Manager's own work.
 */
async function bareDockerRun(): Promise<number> {
  const { tls } = await (
    await benchCertificates()
  ).certificateFor(undefined, ['127.0.0.1']);
  const password = 'bench-password-123456789';
  const files = {
    password,
    'admin-password': 'bench-admin-123456789',
    'tls.crt': tls.certificatePem,
    'tls.key': tls.privateKeyPem,
  };
  const started = performance.now();
  const container = await docker.createContainer({
    Image: flavor.image,
    Env: [
      'DBAAS_DATABASE=app',
      'DBAAS_USER=app',
      `DBAAS_PASSWORD_FILE=${SECRETS_DIR}/password`,
      `DBAAS_ADMIN_PASSWORD_FILE=${SECRETS_DIR}/admin-password`,
      `DBAAS_MEMORY_MIB=${flavor.memoryMiB}`,
      `DBAAS_TLS_CERT_FILE=${SECRETS_DIR}/tls.crt`,
      `DBAAS_TLS_KEY_FILE=${SECRETS_DIR}/tls.key`,
      `DBAAS_WAL_SPOOL=${WAL_SPOOL_PATH}`,
    ],
    ExposedPorts: { '5432/tcp': {} },
    HostConfig: {
      PortBindings: { '5432/tcp': [{ HostPort: '' }] },
      Memory: flavor.memoryMiB * 1024 * 1024,
      NanoCpus: flavor.cpu * 1e9,
      // the WAL spool the server archives into (point-in-time restore), a volume of its own
      Mounts: [{ Type: 'volume', Source: '', Target: WAL_SPOOL_PATH }],
    },
  });
  await container.putArchive(
    tarFiles(
      Object.entries(files).map(([name, content]) => ({
        name,
        content,
        mode: 0o400,
        uid: IMAGE_UID,
        gid: IMAGE_UID,
      })),
    ),
    { path: SECRETS_DIR },
  );
  await container.start();
  const info = await container.inspect();
  const port = Number(info.NetworkSettings.Ports['5432/tcp'][0].HostPort);
  while (!(await answers(port, 'app', password, 'app', tls))) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  const elapsed = performance.now() - started;
  await container.remove({ force: true, v: true });
  return elapsed;
}

async function managerCreate(): Promise<number> {
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  const store = await InstanceStore.create(knex);
  const runtime = createDockerRuntime({
    hosts: [
      {
        name: 'bench',
        connection: { socketPath: '/var/run/docker.sock' },
        publishAddress: '127.0.0.1',
        bindAddress: '127.0.0.1',
        maxInstances: 100,
        memoryMiB: 65536,
      },
    ],
    startTimeoutSeconds: 120,
  });
  const runtimes = new RuntimeRegistry();
  runtimes.add(runtime);
  const secretBox = new SecretBox(TEST_ENCRYPTION_KEY);
  const controller = new LifecycleController({
    store,
    runtimes,
    flavors: [flavor],
    secretBox,
    notifier: new InstanceNotifier({ logger: silentLogger }),
    logger: silentLogger,
    replicaId: 'bench',
    leaseMs: 30_000,
    certificates: await benchCertificates(),
    healthPollMs: 50,
  });
  const started = performance.now();
  const instance = await store.createInstance(
    newInstance(
      {
        name: 'bench-docker',
        runtime: 'docker',
        flavorId: flavor.id,
        version: '15',
      },
      secretBox,
    ),
    { type: 'created', message: 'benchmark', actor: 'user:default/bench' },
  );
  controller.kick(instance.id);
  await controller.idle();
  const elapsed = performance.now() - started;
  const ready = (await store.getInstance(instance.id))!;
  if (ready.status !== 'running')
    throw new Error(`instance ended ${ready.status}: ${ready.fault?.message}`);
  const ctx = { logger: silentLogger, signal: new AbortController().signal };
  await runtime.engine.remove(
    ready.hostRef!,
    controller.engineSpec(ready, flavor),
    ctx,
  );
  await runtime.host.destroy(ready.hostRef!, ctx);
  await knex.destroy();
  return elapsed;
}

async function main() {
  const rounds = Number(process.argv[2] ?? 3);
  const raw: number[] = [];
  const managed: number[] = [];
  await bareDockerRun(); // warm the image's layers for both
  // in turn which goes first, so a slow spell of the machine falls on both alike
  for (let i = 0; i < rounds; i++) {
    if (i % 2) managed.push(await managerCreate());
    raw.push(await bareDockerRun());
    if (!(i % 2)) managed.push(await managerCreate());
  }
  report(
    { label: 'docker run until the engine answers', ms: raw },
    { label: 'create -> ready on Docker', ms: managed },
  );
}

main().then(
  // the certificate issuer's store stays open
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
