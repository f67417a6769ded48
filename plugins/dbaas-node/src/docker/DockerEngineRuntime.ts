import { Endpoint } from '@dbaas/plugin-dbaas-common';
import Docker from 'dockerode';
import {
  containerName,
  LABEL_FLAVOR,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  SECRETS_DIR,
  walVolumeName,
} from '../imageContract';
import { engineAnswers } from '../probe';
import {
  EngineAdmin,
  EngineBackups,
  EngineHealth,
  EngineRuntime,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RuntimeFault,
  StepContext,
} from '../runtime';
import { tarFiles } from '../tarFiles';
import { sleep } from '../waitFor';
import {
  archives,
  containerSpec,
  publishedEndpoint,
  secretFiles,
} from './containerSpec';
import { DockerPostgresBackups } from './postgresBackups';
import { DockerEngineAdmin } from './dockerAdmin';
import { ensureImage } from './ensureImage';
import { isConnectionError, isNotFound } from './errors';
import { demux } from './logStream';

/** The Docker engine a host's containers run on: a configured one, or an EC2 VM's over SSH. */
export type DockerClientFor = (host: HostRef) => Docker;

/**
 * Each instance's engine as a container of the flavor's image, with its data on the
 * host's volume (`host.data.volume`). With `host.data.publishStandardPort` the engine's
 * own port is published (one database per VM); otherwise Docker picks a free one.
 * PostgreSQL archives its WAL into a second volume (`dbaas-<id>-wal`), made and removed with
 * the container, and `backups` takes base backups, ships that WAL and restores, all through
 * the Docker API (so the same over SSH to a VM).
 */
export class DockerEngineRuntime implements EngineRuntime {
  readonly backups: EngineBackups = new DockerPostgresBackups(this);
  readonly admin: EngineAdmin = new DockerEngineAdmin(this);
  /** deploy waits until the engine answers with the application user's password */
  readonly deployAnswers = true;

  constructor(
    private readonly clientFor: DockerClientFor,
    private readonly options: {
      startTimeoutSeconds: number;
      configKey: string;
      /** The host's address that published ports bind to; none: every interface (a VM). */
      bindAddress?: (host: HostRef) => string | undefined;
    },
  ) {}

  /** @internal The instance's container on its host (which may not exist). */
  container(host: HostRef, instanceId: string) {
    return this.clientFor(host).getContainer(containerName(instanceId));
  }

  /**
   * @internal Creates the instance's container (not started) with its secrets, and its WAL
   * spool volume labelled like the data volume; a restore asks for no restarts until done.
   */
  async createContainer(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    ctx: StepContext,
    options: { restart?: boolean } = {},
  ) {
    const docker = this.clientFor(host);
    await ensureImage(docker, spec.flavor.image, hostLabel(host), ctx);
    if (archives(spec)) await this.createSpoolVolume(host, spec);
    const create = containerSpec(
      host,
      spec,
      secrets,
      this.options.bindAddress?.(host),
    );
    if (options.restart === false) {
      create.HostConfig = {
        ...create.HostConfig,
        RestartPolicy: { Name: 'no' },
      };
    }
    const container = await docker.createContainer(create);
    await this.putSecrets(host, spec, secrets);
    ctx.logger.info(
      `Container ${containerName(spec.instanceId)} created from ${
        spec.flavor.image
      }`,
    );
    return container;
  }

  /** Secrets go in as files, never as environment variables that `docker inspect` shows. */
  private async putSecrets(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
  ) {
    await this.container(host, spec.instanceId).putArchive(
      tarFiles(secretFiles(secrets)),
      { path: SECRETS_DIR },
    );
  }

  private async createSpoolVolume(host: HostRef, spec: EngineSpec) {
    const docker = this.clientFor(host);
    const labels = await docker
      .getVolume(String(host.data.volume))
      .inspect()
      .then(v => v.Labels ?? {})
      .catch(() => ({}));
    // creating a volume that exists is no error: Docker returns it
    await docker.createVolume({
      Name: walVolumeName(spec.instanceId),
      Labels: {
        [LABEL_MANAGED_BY]: MANAGED_BY,
        [LABEL_INSTANCE]: spec.instanceId,
        [LABEL_FLAVOR]: spec.flavor.id,
        ...labels,
      },
    });
  }

  async deploy(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    ctx: StepContext,
  ): Promise<Endpoint> {
    let info = await this.inspect(host, spec.instanceId);
    if (!info) {
      const container = await this.createContainer(host, spec, secrets, ctx);
      info = await container.inspect();
    } else if (!info.State.Running) {
      // made by an earlier try: the secrets may have been issued again since
      await this.putSecrets(host, spec, secrets);
    }
    if (!info.State.Running) {
      await this.container(host, spec.instanceId).start();
    }
    const started = (await this.inspect(host, spec.instanceId))!;
    const endpoint = publishedEndpoint(host, spec, started);
    if (!endpoint) {
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `Container ${containerName(spec.instanceId)} publishes no port`,
      );
    }
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

  /**
   * A new container from `spec` (image, limits, labels) on the same volumes: the old one is
   * stopped and removed unless it was made from `spec` already (a repeated step keeps it).
   */
  async replace(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    ctx: StepContext,
  ): Promise<Endpoint> {
    const info = await this.inspect(host, spec.instanceId);
    if (info && !madeFrom(info, spec)) {
      // an image that cannot be had fails here, with the old server still running
      await ensureImage(
        this.clientFor(host),
        spec.flavor.image,
        hostLabel(host),
        ctx,
      );
      await this.stop(host, spec);
      await this.container(host, spec.instanceId)
        .remove({ force: true })
        .catch(error => {
          if (!isNotFound(error)) throw error;
        });
      ctx.logger.info(
        `Container ${containerName(
          spec.instanceId,
        )} removed to be made again from ${spec.flavor.image} (flavor ${
          spec.flavor.id
        }); its volumes stay`,
      );
    }
    return this.deploy(host, spec, secrets, ctx);
  }

  /** @internal Until Docker's healthcheck, the image's own check, or `answers` says the engine is up. */
  async waitHealthy(
    host: HostRef,
    spec: EngineSpec,
    signal: AbortSignal,
    answers?: () => Promise<boolean>,
  ) {
    const deadline = Date.now() + this.options.startTimeoutSeconds * 1000;
    for (;;) {
      signal.throwIfAborted();
      // an engine that answers needs no inspect: that costs a Docker API call per round
      if (answers && (await answers())) return;
      const info = await this.inspect(host, spec.instanceId).catch(error => {
        if (isConnectionError(error) && Date.now() < deadline) return null;
        throw error;
      });
      if (info === null) {
        await sleep(500);
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
      if (info.State.Health?.Status === 'healthy') return;
      // Docker runs its healthcheck every few seconds: asking now saves waiting for that
      if (
        !answers &&
        info.State.Running &&
        (await this.runHealthcheck(host, spec.instanceId))
      ) {
        return;
      }
      if (Date.now() > deadline) {
        throw new RuntimeFault(
          'ENGINE_TIMEOUT',
          `${spec.flavor.engine} was not healthy within ${this.options.startTimeoutSeconds} s (${this.options.configKey})`,
        );
      }
      await sleep(answers ? 50 : 100);
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
        await sleep(50);
      }
    } catch {
      // not ready for exec yet
    }
    return false;
  }

  /** @internal The container's state; undefined when there is none. */
  async inspect(host: HostRef, instanceId: string) {
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
        const endpoint = publishedEndpoint(host, spec, info);
        const up =
          endpoint &&
          (await engineAnswers(
            spec.flavor.engine,
            endpoint,
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
    secrets: EngineSecrets,
    ctx: StepContext,
  ) {
    const container = this.container(host, spec.instanceId);
    // the server reads its certificate as it starts: one issued again (renewed, or for a new
    // address) goes in first
    await this.putSecrets(host, spec, secrets);
    await container.start().catch(error => {
      if ((error as { statusCode?: number }).statusCode !== 304) throw error;
    });
    await this.waitHealthy(host, spec, ctx.signal);
    // a started container may publish its port anew: Docker picks the host port again
    return publishedEndpoint(host, spec, await container.inspect());
  }

  async remove(host: HostRef, spec: EngineSpec) {
    await this.container(host, spec.instanceId)
      .remove({ force: true })
      .catch(error => {
        if (!isNotFound(error)) throw error;
      });
    // the WAL spool goes with the container (shipped files are in the backup store)
    await this.clientFor(host)
      .getVolume(walVolumeName(spec.instanceId))
      .remove()
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

  /** @internal The container's whole log. */
  async allLogs(host: HostRef, instanceId: string): Promise<string> {
    const raw = (await this.container(host, instanceId).logs({
      stdout: true,
      stderr: true,
      follow: false,
    })) as Buffer;
    return demux(raw);
  }
}

function hostLabel(host: HostRef) {
  return String(host.data.host ?? host.address);
}

/** Whether the container was made from `spec`: its image, flavor and limits. */
function madeFrom(info: Docker.ContainerInspectInfo, spec: EngineSpec) {
  return (
    info.Config.Image === spec.flavor.image &&
    info.Config.Labels?.[LABEL_FLAVOR] === spec.flavor.id &&
    info.HostConfig.Memory === spec.flavor.memoryMiB * 1024 * 1024 &&
    info.HostConfig.NanoCpus === Math.round(spec.flavor.cpu * 1e9)
  );
}
