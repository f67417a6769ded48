import {
  ArchivedWalFile,
  backupLabel,
  DUMP_DIR,
  DUMP_NAME,
  DUMP_RESTORE_PATH,
  dumpBackup,
  requireDumpTarget,
  BaseBackup,
  baseBackupFromExec,
  EngineBackups,
  EngineSecrets,
  EngineSpec,
  ENGINE_LAYOUT,
  HostRef,
  IN_RECOVERY_COMMAND,
  earliestRestorable,
  lastLines,
  lastTransaction,
  parseSpoolListing,
  pastLastCommit,
  recoveryConf,
  recoveryFailure,
  RECOVERY_CONF,
  RecoveryWindowFault,
  RestoreRequest,
  RestoreResult,
  restoreTar,
  RuntimeFault,
  smallFilesTar,
  SPOOL_LISTING_COMMAND,
  StepContext,
  SWITCH_WAL_COMMAND,
  walTar,
} from '@dbaas/plugin-dbaas-node';
import { V1StatefulSet } from '@kubernetes/client-node';
import { PassThrough, Readable, Transform } from 'stream';
import { finished } from 'stream/promises';
import {
  KubernetesCluster,
  KubernetesClusters,
  PodContainer,
} from './KubernetesCluster';
import type { KubernetesEngineRuntime } from './KubernetesEngineRuntime';
import { statefulSet } from './manifests';
import { healthOf, readPod, runningPod } from './runningPod';

const PGDATA = ENGINE_LAYOUT.postgresql.dataPath;
/** The image's restore mode (entrypoint.sh): it waits while this mark exists. */
const RESTORE_WAIT = '/var/lib/dbaas/restore-wait';
/** The server's log of the current start during a restore (entrypoint.sh). */
const RESTORE_LOG = '/var/lib/dbaas/restore-server.log';
/** How long a backup's or a restore's bytes may take to flow through one exec. */
const STREAM_TIMEOUT_MS = 24 * 3600_000;
/** GNU tar reads its input in records of 20 blocks; padded to one, it ends without EOF. */
const TAR_RECORD = 20 * 512;

/**
 * Backups on Kubernetes, all through the pod exec API (RBAC: `create` on pods/exec).
 * PostgreSQL: base backups by the image's `dbaas-basebackup.sh` streamed out of the pod, the
 * WAL the server archived into the spool claim (`<name>-wal`, mounted at WAL_SPOOL_PATH)
 * listed, read (`cat`) and removed by exec, and restores streamed into the pod of a new
 * instance with `tar -x`, its StatefulSet applied in the image's restore mode
 * (DBAAS_RESTORE_WAIT) so that the server starts only once PGDATA is filled. MariaDB: a
 * self-contained dump (`dbaas-dump.sh`) read out with `tar -c`, and loaded into a new
 * instance (`dbaas-load.sh`) once it is deployed as usual; no binary log is shipped.
 */
export class KubernetesEngineBackups implements EngineBackups {
  constructor(
    private readonly clusters: KubernetesClusters,
    private readonly engine: KubernetesEngineRuntime,
    private readonly startTimeoutSeconds: number,
  ) {}

  async baseBackup(
    host: HostRef,
    spec: EngineSpec,
    _secrets: EngineSecrets,
    ctx: StepContext,
  ): Promise<BaseBackup> {
    if (spec.flavor.engine === 'mariadb') return this.dump(host, spec, ctx);
    requirePostgres(spec, 'a base backup');
    if (host.data.walSpool !== true) {
      throw new RuntimeFault(
        'ENGINE_UNAVAILABLE',
        `the StatefulSet ${host.data.name} was made without a WAL spool claim (before backups on Kubernetes): a base backup needs its WAL archived`,
      );
    }
    const { cluster, pod } = await withTool(
      this.clusters,
      host,
      spec,
      'dbaas-basebackup.sh',
    );
    const exec = await cluster.execStream(
      pod,
      ['dbaas-basebackup.sh', backupLabel()],
      { timeoutMs: STREAM_TIMEOUT_MS },
    );
    return baseBackupFromExec(exec, ctx.signal);
  }

  /**
   * MariaDB: a logical, self-contained dump of the application database (the image's
   * dbaas-dump.sh), read out as a tar by `tar -c` through exec, as the Docker runtime's.
   */
  private async dump(
    host: HostRef,
    spec: EngineSpec,
    ctx: StepContext,
  ): Promise<BaseBackup> {
    const { cluster, pod } = await withTool(
      this.clusters,
      host,
      spec,
      'dbaas-dump.sh',
    );
    return dumpBackup(
      {
        dump: file => cluster.exec(pod, ['dbaas-dump.sh', file, spec.database]),
        read: () =>
          commandOutput(cluster, pod, [
            'tar',
            '-c',
            '-f',
            '-',
            '-C',
            DUMP_DIR,
            DUMP_NAME,
          ]),
        clean: async () => {
          await execOk(cluster, pod, ['rm', '-rf', DUMP_DIR], 'the backup');
        },
      },
      ctx.signal,
    );
  }

  async archivedWal(
    host: HostRef,
    spec: EngineSpec,
  ): Promise<ArchivedWalFile[]> {
    if (spec.flavor.engine !== 'postgresql' || host.data.walSpool !== true) {
      return [];
    }
    // a stopped server archives nothing new; its spool waits for the next start
    const target = await runningPod(this.clusters, host, spec).catch(
      () => undefined,
    );
    if (!target) return [];
    const { cluster, pod } = target;
    const listing = await cluster.exec(pod, SPOOL_LISTING_COMMAND);
    if (listing.exitCode !== 0) return [];
    return parseSpoolListing(listing.stdout).map(f => ({
      name: f.name,
      size: f.size,
      archivedAt: f.archivedAt,
      open: () => readFile(cluster, pod, f.path),
      remove: async () => {
        await execOk(cluster, pod, ['rm', '-f', f.path], `removing ${f.path}`);
      },
    }));
  }

  /** Switches to a new WAL segment; the server does nothing when the current one is empty. */
  async closeLog(host: HostRef, spec: EngineSpec) {
    if (spec.flavor.engine !== 'postgresql' || host.data.walSpool !== true) {
      return;
    }
    const target = await runningPod(this.clusters, host, spec).catch(
      () => undefined,
    );
    if (!target) return;
    await execOk(
      target.cluster,
      target.pod,
      SWITCH_WAL_COMMAND,
      'switching the WAL file',
    );
  }

  /**
   * Into the new instance: its StatefulSet applied in restore mode, the backup and the WAL
   * streamed into its waiting pod, the server let start and recover until promoted, then
   * finished by the image's `dbaas-restore-done.sh`. The next `deploy` applies the
   * StatefulSet as usual (the pod is made again, on the restored data).
   */
  async restore(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    request: RestoreRequest,
    ctx: StepContext,
  ): Promise<RestoreResult> {
    const { targetTime, backupStoppedAt } = request;
    const cluster = this.clusters.get(host.data.cluster);
    const set = statefulSet(this.engine.instance(host, spec));
    const mariadb = spec.flavor.engine === 'mariadb';
    try {
      if (!mariadb) requirePostgres(spec, 'a restore');
      if (await cluster.read<V1StatefulSet>(set)) {
        throw new RuntimeFault(
          'ENGINE_START_FAILED',
          `a restore needs a new instance: StatefulSet ${set.metadata.name} already exists in ${set.metadata.namespace}`,
        );
      }
      if (mariadb) requireDumpTarget(request);
      else if (targetTime && backupStoppedAt && targetTime < backupStoppedAt) {
        throw new RecoveryWindowFault(targetTime, backupStoppedAt);
      }
    } catch (error) {
      request.backup.destroy();
      throw error;
    }
    if (mariadb) return this.load(host, spec, secrets, request, ctx);
    try {
      await this.engine.applyObjects(host, spec, secrets, ctx, {
        restoring: true,
      });
      const { pod, restarts } = await this.waitingPod(host, spec, ctx);
      const backup = restoreTar(request.backup, targetTime);
      await untar(cluster, pod, backup.tar, PGDATA, backup.label);
      const label = await backup.label;
      const earliest = earliestRestorable(request, label);
      await untar(
        cluster,
        pod,
        walTar(request.walDir),
        '/var/lib/dbaas',
        Promise.resolve(),
      );

      const recover = async () => {
        await execOk(cluster, pod, ['rm', '-f', RESTORE_WAIT], 'the restore');
        const stopped = await this.recovered(host, spec, restarts, ctx.signal);
        if (!stopped) return;
        const log = await this.serverLog(cluster, pod);
        throw (
          recoveryFailure(log, targetTime, earliest) ??
          new RuntimeFault(
            'ENGINE_START_FAILED',
            `PostgreSQL stopped during the recovery of the backup: ${lastLines(
              log,
            )}`,
          )
        );
      };
      try {
        await recover();
      } catch (cause) {
        if (!pastLastCommit(cause, request)) throw cause;
        // nothing was committed between the log's last commit and the target: recover to the end
        await untar(
          cluster,
          pod,
          smallFilesTar([
            [RECOVERY_CONF, recoveryConf()],
            ['recovery.signal', ''],
          ]),
          PGDATA,
          Promise.resolve(),
        );
        await recover();
      }
      await execOk(
        cluster,
        pod,
        ['dbaas-restore-done.sh'],
        'finishing the restore',
      );
      return {
        lastTransactionAt: lastTransaction(await this.serverLog(cluster, pod)),
      };
    } catch (error) {
      request.backup.destroy();
      // a restore that fails leaves nothing running
      await this.engine
        .scale(host, spec, 0, { restoring: true })
        .catch(() => {});
      throw error;
    }
  }

  /**
   * MariaDB: the new instance deployed as usual (initialized with its own passwords), the
   * dump's tar put into `/tmp` of its pod, and loaded by the image's dbaas-load.sh.
   */
  private async load(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    request: RestoreRequest,
    ctx: StepContext,
  ): Promise<RestoreResult> {
    try {
      await this.engine.deploy(host, spec, secrets, ctx);
      const { cluster, pod } = await runningPod(this.clusters, host, spec);
      await untar(cluster, pod, request.backup, '/tmp', Promise.resolve());
      await execOk(
        cluster,
        pod,
        ['dbaas-load.sh', DUMP_RESTORE_PATH],
        'loading the backup',
      );
      return {};
    } catch (error) {
      request.backup.destroy();
      // a restore that fails leaves nothing running
      await this.engine.scale(host, spec, 0).catch(() => {});
      throw error;
    }
  }

  /**
   * The restore pod, once it runs and its image waits for the data: the container's restart
   * count then (a restart loses the WAL in its layer).
   */
  private async waitingPod(
    host: HostRef,
    spec: EngineSpec,
    ctx: StepContext,
  ): Promise<{ pod: PodContainer; restarts: number }> {
    const deadline = Date.now() + this.startTimeoutSeconds * 1000;
    const name = `${host.data.name}-0`;
    for (;;) {
      ctx.signal.throwIfAborted();
      const status = await readPod(this.clusters, host);
      const health = healthOf(status);
      if (health.state === 'unhealthy') {
        throw new RuntimeFault(
          /Image/.test(health.message ?? '')
            ? 'IMAGE_PULL'
            : 'ENGINE_START_FAILED',
          `pod ${name} cannot run for the restore: ${health.message}`,
        );
      }
      if (status?.status?.phase === 'Running') {
        const { cluster, pod } = await runningPod(this.clusters, host, spec);
        const check = await cluster.exec(pod, [
          'sh',
          '-c',
          'grep -q DBAAS_RESTORE_WAIT "$(command -v entrypoint.sh)" || exit 3; test ! -e "$PGDATA/PG_VERSION" || exit 5; test -e "$1" || exit 4',
          'sh',
          RESTORE_WAIT,
        ]);
        if (check.exitCode === 0) {
          return {
            pod,
            restarts: status.status?.containerStatuses?.[0]?.restartCount ?? 0,
          };
        }
        if (check.exitCode === 3) {
          throw new RuntimeFault(
            'ENGINE_UNAVAILABLE',
            `pod ${name} runs ${spec.flavor.image} from before restores on Kubernetes (its entrypoint knows no DBAAS_RESTORE_WAIT): rebuild the image (images/build.sh) and push it`,
          );
        }
        if (check.exitCode === 5) {
          throw new RuntimeFault(
            'ENGINE_START_FAILED',
            `a restore needs a new instance: the claim ${host.data.name}-data already holds a data directory`,
          );
        }
      }
      if (Date.now() > deadline) {
        throw new RuntimeFault(
          'ENGINE_TIMEOUT',
          `pod ${name} did not wait for the restore within ${
            this.startTimeoutSeconds
          } s: ${health.message ?? health.state}`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }

  /**
   * Waits until the server has recovered and been promoted (false), or has stopped (true:
   * the image waits for the runtime again); fails when the pod stops running or its
   * container restarts.
   */
  private async recovered(
    host: HostRef,
    spec: EngineSpec,
    restarts: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    for (;;) {
      signal.throwIfAborted();
      const { cluster, pod, status } = await runningPod(
        this.clusters,
        host,
        spec,
      );
      const now = status.status?.containerStatuses?.[0]?.restartCount ?? 0;
      if (now !== restarts) {
        throw new RuntimeFault(
          'ENGINE_START_FAILED',
          `the container of pod ${pod.name} restarted during the recovery of the backup: restore again`,
        );
      }
      const state = await cluster
        .exec(pod, [
          'sh',
          '-c',
          'if test -e "$1"; then echo stopped; else shift; exec "$@"; fi',
          'sh',
          RESTORE_WAIT,
          ...IN_RECOVERY_COMMAND,
        ])
        .catch(() => undefined); // not accepting connections until consistent
      const answer = state?.stdout.trim();
      if (answer === 'stopped') return true;
      if (state?.exitCode === 0 && answer === 'f') return false;
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }

  /** The server's log since its last start in restore mode. */
  private async serverLog(cluster: KubernetesCluster, pod: PodContainer) {
    return (await cluster.exec(pod, ['cat', RESTORE_LOG])).stdout;
  }
}

function requirePostgres(spec: EngineSpec, what: string) {
  if (spec.flavor.engine !== 'postgresql') {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `the Kubernetes runtime cannot take ${what} of ${spec.flavor.engine}, only of PostgreSQL and MariaDB: delete its instances with skipFinalBackup`,
    );
  }
}

/** Runs a command in the pod and fails, naming `what` and its error output, unless it exits 0. */
async function execOk(
  cluster: KubernetesCluster,
  pod: PodContainer,
  command: string[],
  what: string,
): Promise<string> {
  const output = await cluster.exec(pod, command);
  if (output.exitCode !== 0) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `${what} in pod ${pod.name} failed (${command[0]} exited with code ${
        output.exitCode
      }): ${lastLines(output.stderr) || lastLines(output.stdout)}`,
    );
  }
  return output.stdout;
}

/**
 * The pod's engine container, running and with the image's backup `script`, which images from
 * before backups lack (then ENGINE_UNAVAILABLE saying to rebuild).
 */
async function withTool(
  clusters: KubernetesClusters,
  host: HostRef,
  spec: EngineSpec,
  script: string,
) {
  const target = await runningPod(clusters, host, spec);
  const tool = await target.cluster.exec(target.pod, [
    'sh',
    '-c',
    `command -v ${script}`,
  ]);
  if (tool.exitCode !== 0) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `pod ${target.pod.name} runs ${spec.flavor.image} from before backups (no ${script}): rebuild the image (images/build.sh) and push it`,
    );
  }
  return target;
}

/** A file in the pod as a stream (`cat` through exec). */
function readFile(cluster: KubernetesCluster, pod: PodContainer, path: string) {
  return commandOutput(cluster, pod, ['cat', path]);
}

/** A command's stdout as a stream: it errors, never ends, when the command fails. */
async function commandOutput(
  cluster: KubernetesCluster,
  pod: PodContainer,
  command: string[],
): Promise<Readable> {
  const run = await cluster.execStream(pod, command, {
    timeoutMs: STREAM_TIMEOUT_MS,
  });
  const out = new PassThrough();
  let complete = false;
  out.on('close', () => {
    if (!complete) run.stdout.destroy();
  });
  let errors = '';
  run.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString('utf8')).slice(-4096);
  });
  run.stderr.on('error', () => {});
  run.stdout.on('error', error => out.destroy(error));
  run.stdout.pipe(out, { end: false });
  (async () => {
    await finished(run.stdout);
    const code = await run.exitCode;
    if (code !== 0) {
      throw new Error(
        `${command[0]} in pod ${pod.name} exited with code ${code}: ${lastLines(
          errors,
        )}`,
      );
    }
    complete = true;
    out.end();
  })().catch(error => out.destroy(error));
  return out;
}

/**
 * Extracts a tar into `dir` of the pod: GNU tar reading the exec's standard input, which is
 * never closed (see KubernetesCluster.exec), so the archive is padded to tar's record size and
 * tar ends at its end-of-archive blocks. When `archive` fails (`failed` rejects), the session
 * is ended and that failure is the one thrown.
 */
async function untar(
  cluster: KubernetesCluster,
  pod: PodContainer,
  archive: Readable,
  dir: string,
  failed: Promise<unknown>,
): Promise<void> {
  let failure: unknown;
  failed.catch(error => {
    failure = error;
  });
  const padded = archive.pipe(paddedToRecord());
  archive.on('error', error => {
    failure ??= error;
    padded.destroy(error as Error);
  });
  const output = await cluster.execStream(
    pod,
    ['tar', '-x', '-b', '20', '-f', '-', '-C', dir],
    { stdin: padded, timeoutMs: STREAM_TIMEOUT_MS },
  );
  let errors = '';
  output.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString('utf8')).slice(-4096);
  });
  output.stderr.on('error', () => {});
  output.stdout.resume();
  output.stdout.on('error', () => {});
  let code: number;
  try {
    code = await output.exitCode;
  } catch (error) {
    throw failure ?? error;
  }
  if (failure) throw failure;
  if (code !== 0) {
    throw new RuntimeFault(
      'ENGINE_START_FAILED',
      `tar -x into ${dir} of pod ${
        pod.name
      } exited with code ${code}: ${lastLines(errors)}`,
    );
  }
}

/** Zero bytes after the stream, up to a multiple of TAR_RECORD (tar ignores blocks after its end). */
function paddedToRecord(): Transform {
  let length = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      length += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      const rest = (TAR_RECORD - (length % TAR_RECORD)) % TAR_RECORD;
      callback(null, rest ? Buffer.alloc(rest) : undefined);
    },
  });
}
