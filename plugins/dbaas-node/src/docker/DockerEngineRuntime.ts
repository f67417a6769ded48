import { Endpoint } from '@dbaas/plugin-dbaas-common';
import Docker from 'dockerode';
import {
  containerName,
  ENGINE_LAYOUT,
  IMAGE_UID,
  LABEL_FLAVOR,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  SECRETS_DIR,
} from '../imageContract';
import { engineAnswers } from '../probe';
import {
  EngineHealth,
  EngineRuntime,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RuntimeFault,
  StepContext,
} from '../runtime';
import { tarFiles } from '../tarFiles';
import { isConnectionError, isNotFound } from './errors';

/** The Docker engine a host's containers run on: a configured one, or an EC2 VM's over SSH. */
export type DockerClientFor = (host: HostRef) => Docker;

/**
 * Each instance's engine as a container of the flavor's image, with its data on the
 * host's volume (`host.data.volume`). With `host.data.publishStandardPort` the engine's
 * own port is published (one database per VM); otherwise Docker picks a free one.
 */
export class DockerEngineRuntime implements EngineRuntime {
  constructor(
    private readonly clientFor: DockerClientFor,
    private readonly options: {
      startTimeoutSeconds: number;
      configKey: string;
      /** The host's address that published ports bind to; none: every interface (a VM). */
      bindAddress?: (host: HostRef) => string | undefined;
    },
  ) {}

  private container(host: HostRef, instanceId: string) {
    return this.clientFor(host).getContainer(containerName(instanceId));
  }

  async deploy(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    ctx: StepContext,
  ): Promise<Endpoint> {
    const docker = this.clientFor(host);
    const layout = ENGINE_LAYOUT[spec.flavor.engine];
    let info = await this.inspect(host, spec.instanceId);
    if (!info) {
      await this.ensureImage(docker, spec.flavor.image, hostLabel(host), ctx);
      const port = `${layout.port}/tcp`;
      const container = await docker.createContainer({
        name: containerName(spec.instanceId),
        Image: spec.flavor.image,
        Env: [
          `DBAAS_DATABASE=${spec.database}`,
          `DBAAS_USER=${spec.username}`,
          `DBAAS_PASSWORD_FILE=${SECRETS_DIR}/password`,
          `DBAAS_ADMIN_PASSWORD_FILE=${SECRETS_DIR}/admin-password`,
          `DBAAS_MEMORY_MIB=${spec.flavor.memoryMiB}`,
          ...tlsEnv(spec, secrets),
        ],
        Labels: {
          [LABEL_MANAGED_BY]: MANAGED_BY,
          [LABEL_INSTANCE]: spec.instanceId,
          [LABEL_FLAVOR]: spec.flavor.id,
          'dbaas.backstage.io/memory-mib': String(spec.flavor.memoryMiB),
        },
        ExposedPorts: { [port]: {} },
        HostConfig: {
          Mounts: [
            {
              Type: 'volume',
              Source: String(host.data.volume),
              Target: layout.dataPath,
            },
          ],
          PortBindings: {
            [port]: [
              {
                HostIp: this.options.bindAddress?.(host) ?? '',
                HostPort: host.data.publishStandardPort
                  ? String(layout.port)
                  : '',
              },
            ],
          },
          Memory: spec.flavor.memoryMiB * 1024 * 1024,
          NanoCpus: Math.round(spec.flavor.cpu * 1e9),
          RestartPolicy: { Name: 'unless-stopped' },
        },
      });
      // secrets go in as files, never as environment variables that `docker inspect` shows
      await container.putArchive(
        tarFiles(
          Object.entries(secretFiles(secrets)).map(([name, content]) => ({
            name,
            content,
            mode: 0o400,
            uid: IMAGE_UID,
            gid: IMAGE_UID,
          })),
        ),
        { path: SECRETS_DIR },
      );
      ctx.logger.info(
        `Container ${containerName(spec.instanceId)} created from ${
          spec.flavor.image
        }`,
      );
      info = await container.inspect();
    }
    if (!info.State.Running) {
      await this.container(host, spec.instanceId).start();
    }
    const started = (await this.inspect(host, spec.instanceId))!;
    const binding = started.NetworkSettings.Ports[`${layout.port}/tcp`]?.[0];
    if (!binding) {
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `Container ${containerName(spec.instanceId)} publishes no port`,
      );
    }
    const endpoint = {
      host: host.address,
      port: Number(binding.HostPort),
      database: spec.database,
      user: spec.username,
    };
    await this.waitHealthy(host, spec, ctx.signal, () =>
      engineAnswers(
        spec.flavor.engine,
        endpoint,
        secrets.password,
        2000,
        secrets.tls,
      ),
    );
    return endpoint;
  }

  private async ensureImage(
    docker: Docker,
    image: string,
    hostName: string,
    ctx: StepContext,
  ) {
    try {
      await docker.getImage(image).inspect();
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    ctx.logger.info(`Pulling ${image} on Docker host ${hostName}`);
    try {
      const stream = await docker.pull(image);
      await new Promise((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null) =>
          err ? reject(err) : resolve(undefined),
        ),
      );
    } catch (error) {
      throw new RuntimeFault(
        'IMAGE_PULL',
        `Image ${image} is not on Docker host ${hostName} and could not be pulled (${
          (error as Error).message
        }); build it there with images/build.sh, or push it to a registry the host can reach`,
      );
    }
  }

  /** Until Docker's healthcheck, the image's own check, or `answers` says the engine is up. */
  private async waitHealthy(
    host: HostRef,
    spec: EngineSpec,
    signal: AbortSignal,
    answers?: () => Promise<boolean>,
  ) {
    const deadline = Date.now() + this.options.startTimeoutSeconds * 1000;
    for (;;) {
      signal.throwIfAborted();
      const info = await this.inspect(host, spec.instanceId).catch(error => {
        if (isConnectionError(error) && Date.now() < deadline) return null;
        throw error;
      });
      if (info === null) {
        await new Promise(resolve => setTimeout(resolve, 500));
        continue;
      }
      if (!info) {
        throw new RuntimeFault(
          'ENGINE_START_FAILED',
          `Container ${containerName(spec.instanceId)} disappeared`,
        );
      }
      if (!info.State.Running && info.State.Status === 'exited') {
        const logs = await this.logs(host, spec, 5);
        throw new RuntimeFault(
          'ENGINE_START_FAILED',
          `Container exited with code ${info.State.ExitCode}: ${logs
            .trim()
            .split('\n')
            .slice(-3)
            .join(' | ')}`,
        );
      }
      if (info.State.Health?.Status === 'healthy') return info;
      // Docker runs its healthcheck every few seconds: asking now saves waiting for that
      if (
        info.State.Running &&
        (answers
          ? await answers()
          : await this.runHealthcheck(host, spec.instanceId))
      ) {
        return info;
      }
      if (Date.now() > deadline) {
        throw new RuntimeFault(
          'ENGINE_TIMEOUT',
          `${spec.flavor.engine} was not healthy within ${this.options.startTimeoutSeconds} s (${this.options.configKey})`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }

  private async runHealthcheck(
    host: HostRef,
    instanceId: string,
  ): Promise<boolean> {
    try {
      const exec = await this.container(host, instanceId).exec({
        Cmd: ['healthcheck.sh'],
        AttachStdout: false,
        AttachStderr: false,
      });
      await exec.start({ Detach: true });
      for (let i = 0; i < 40; i++) {
        const state = await exec.inspect();
        if (!state.Running) return state.ExitCode === 0;
        await new Promise(resolve => setTimeout(resolve, 50));
      }
    } catch {
      // not ready for exec yet
    }
    return false;
  }

  private async inspect(host: HostRef, instanceId: string) {
    try {
      return await this.container(host, instanceId).inspect();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async health(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
  ): Promise<EngineHealth> {
    let info;
    try {
      info = await this.inspect(host, spec.instanceId);
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      return {
        state: 'unknown',
        message: `Docker on ${hostLabel(host)} did not answer: ${
          (error as Error).message
        }`,
      };
    }
    if (!info) return { state: 'unhealthy', message: 'the container is gone' };
    if (!info.State.Running) {
      return {
        state: 'unhealthy',
        message: `the container ${info.State.Status} (exit code ${info.State.ExitCode})`,
      };
    }
    switch (info.State.Health?.Status) {
      case 'healthy':
        return { state: 'healthy' };
      case 'starting': {
        // Docker's first check may be seconds away: ask the engine now
        const binding =
          info.NetworkSettings.Ports[
            `${ENGINE_LAYOUT[spec.flavor.engine].port}/tcp`
          ]?.[0];
        const up =
          binding &&
          (await engineAnswers(
            spec.flavor.engine,
            {
              host: host.address,
              port: Number(binding.HostPort),
              database: spec.database,
              user: spec.username,
            },
            secrets.password,
            2000,
            secrets.tls,
          ));
        return up ? { state: 'healthy' } : { state: 'starting' };
      }
      case 'unhealthy':
        return {
          state: 'unhealthy',
          message: `healthcheck failing: ${
            info.State.Health.Log?.at(-1)?.Output?.trim() ?? ''
          }`,
        };
      default:
        return { state: 'unknown', message: 'the image has no healthcheck' };
    }
  }

  async stop(host: HostRef, spec: EngineSpec) {
    await this.container(host, spec.instanceId)
      .stop()
      .catch(error => {
        if (
          !isNotFound(error) &&
          (error as { statusCode?: number }).statusCode !== 304
        )
          throw error;
      });
  }

  async start(
    host: HostRef,
    spec: EngineSpec,
    _secrets: EngineSecrets,
    ctx: StepContext,
  ) {
    await this.container(host, spec.instanceId)
      .start()
      .catch(error => {
        if ((error as { statusCode?: number }).statusCode !== 304) throw error;
      });
    await this.waitHealthy(host, spec, ctx.signal);
  }

  async remove(host: HostRef, spec: EngineSpec) {
    await this.container(host, spec.instanceId)
      .remove({ force: true })
      .catch(error => {
        if (!isNotFound(error)) throw error;
      });
  }

  async logs(host: HostRef, spec: EngineSpec, tail: number): Promise<string> {
    const container = this.container(host, spec.instanceId);
    const raw = (await container.logs({
      stdout: true,
      stderr: true,
      tail,
      follow: false,
    })) as Buffer;
    return demux(raw);
  }
}

/** The files written into the container's secrets dir, by name. */
function secretFiles(secrets: EngineSecrets): Record<string, string> {
  return {
    password: secrets.password,
    'admin-password': secrets.adminPassword,
    ...(secrets.tls
      ? {
          'tls.crt': secrets.tls.certificatePem,
          'tls.key': secrets.tls.privateKeyPem,
          'ca.crt': secrets.tls.caPem,
        }
      : {}),
  };
}

/** Where the image finds its certificate (see images/), and whether it refuses plain text. */
function tlsEnv(spec: EngineSpec, secrets: EngineSecrets): string[] {
  if (!secrets.tls) return [];
  return [
    `DBAAS_TLS_CERT_FILE=${SECRETS_DIR}/tls.crt`,
    `DBAAS_TLS_KEY_FILE=${SECRETS_DIR}/tls.key`,
    `DBAAS_TLS_CA_FILE=${SECRETS_DIR}/ca.crt`,
    `DBAAS_TLS_REQUIRE=${spec.flavor.tls?.require ? 'true' : 'false'}`,
  ];
}

function hostLabel(host: HostRef) {
  return String(host.data.host ?? host.address);
}

/** Docker's multiplexed log stream (8-byte frame headers) as plain text. */
function demux(raw: Buffer): string {
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return parts.length ? parts.join('') : raw.toString('utf8');
}
