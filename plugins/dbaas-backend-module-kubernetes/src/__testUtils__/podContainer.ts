import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import Docker from 'dockerode';
import { randomUUID } from 'crypto';
import {
  EngineSecrets,
  HostRef,
  MANAGED_BY,
  SECRETS_DIR,
  StepContext,
  tarFiles,
} from '@dbaas/plugin-dbaas-node';
import { readKubernetesRuntimeConfig } from '../config';
import { createKubernetesRuntime } from '../KubernetesRuntime';

/*
 * A Docker container of a flavor image standing in for an instance's pod in an exec: as the
 * StatefulSet makes the pod's container (the image's user, the secret files, the env).
 */

export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Fails at once, with what to do, when there is no Docker engine. */
export async function requireDocker() {
  await docker.ping().catch(error => {
    throw new Error(
      `This test needs a Docker engine at /var/run/docker.sock (${error})`,
    );
  });
}

/** Creates and starts the container (`env` as the StatefulSet's, without the secret files'). */
export async function startPodContainer(options: {
  name: string;
  image: string;
  memoryMiB: number;
  database: string;
  username: string;
  secrets: EngineSecrets;
  env?: string[];
  binds?: string[];
}): Promise<Docker.Container> {
  const container = await docker.createContainer({
    name: options.name,
    Image: options.image,
    Env: [
      `DBAAS_DATABASE=${options.database}`,
      `DBAAS_USER=${options.username}`,
      `DBAAS_PASSWORD_FILE=${SECRETS_DIR}/password`,
      `DBAAS_ADMIN_PASSWORD_FILE=${SECRETS_DIR}/admin-password`,
      `DBAAS_MEMORY_MIB=${options.memoryMiB}`,
      ...(options.env ?? []),
    ],
    // so that /work/shared/tools/leftovers would list it, were it left behind
    Labels: { 'app.kubernetes.io/managed-by': MANAGED_BY },
    HostConfig: {
      Memory: options.memoryMiB * 1024 * 1024,
      Binds: options.binds ?? [],
    },
  });
  await container.putArchive(
    tarFiles(
      Object.entries({
        password: options.secrets.password,
        'admin-password': options.secrets.adminPassword,
      }).map(([name, content]) => ({
        name,
        content,
        mode: 0o400,
        uid: 999,
        gid: 999,
      })),
    ),
    { path: SECRETS_DIR },
  );
  await container.start();
  return container;
}

/** Runs a command in the container and answers its exit code. */
export async function exitCodeOf(container: Docker.Container, cmd: string[]) {
  const exec = await container.exec({ Cmd: cmd });
  await exec.start({ Detach: true });
  for (;;) {
    const state = await exec.inspect();
    if (!state.Running) return state.ExitCode;
    await new Promise(r => setTimeout(r, 100));
  }
}

/** Until the image's healthcheck passes (a minute at most). */
export async function untilHealthy(container: Docker.Container) {
  for (let i = 0; i < 120; i++) {
    if ((await exitCodeOf(container, ['healthcheck.sh'])) === 0) return;
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error('the container did not get healthy');
}

/** The namespace the exec tests place their instances in. */
export const TEST_NAMESPACE = 'dbaas-team-a';

/** The HostRef the host stage makes for instance `name` (`extra`: e.g. `walSpool`). */
export function podHost(
  instanceId: string,
  name: string,
  extra: Record<string, unknown> = {},
): HostRef {
  return {
    runtime: 'kubernetes',
    instanceId,
    address: `dbaas-${name}.${TEST_NAMESPACE}.svc`,
    data: {
      cluster: 'default',
      namespace: TEST_NAMESPACE,
      name: `dbaas-${name}`,
      owner: 'group:default/team-a',
      ...extra,
    },
  };
}

/** Fresh passwords for an instance. */
export const newSecrets = (): EngineSecrets => ({
  password: `app-${randomUUID()}`,
  adminPassword: `admin-${randomUUID()}`,
});

export const stepContext = (): StepContext => ({
  logger: mockServices.logger.mock(),
  signal: new AbortController().signal,
});

/** The runtime on the API stub at `url`. */
export function runtimeAt(url: string) {
  return createKubernetesRuntime(
    readKubernetesRuntimeConfig(
      new ConfigReader({
        cluster: { url, token: 'test-token', skipTLSVerify: true },
        createNamespaces: true,
        startTimeoutSeconds: 30,
      }),
    ),
  );
}
