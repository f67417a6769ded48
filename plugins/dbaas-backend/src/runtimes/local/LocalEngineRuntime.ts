import fs from 'fs/promises';
import path from 'path';
import { setTimeout as delay } from 'timers/promises';
import { Engine } from '@dbaas/plugin-dbaas-common';
import {
  EngineAdmin,
  EngineBackups,
  EngineRuntime,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RuntimeFault,
  serverMessage,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import { localHost } from './LocalHostProvider';
import { LocalBackups, LocalHost, LocalServer } from './LocalServer';
import { directorySize } from './directorySize';

/** Runs each instance's database server as a local process, one server kind per engine. */
export class LocalEngineRuntime implements EngineRuntime {
  /** Only with log archiving on: a base backup restores only with the log archived beside it. */
  readonly backups?: EngineBackups;
  readonly admin: EngineAdmin = {
    query: (host, spec, secrets, sql, options) =>
      this.server(spec)
        .adminQuery(
          localHost(host),
          secrets,
          sql,
          options?.database ?? spec.database,
        )
        .catch(error => {
          // a new error: the client's carries the statement (mysql2's `sql`), which may hold a password
          throw new RuntimeFault(
            'INTERNAL',
            `the ${
              spec.flavor.engine
            } server refused an admin statement: ${serverMessage(
              String((error as Error).message),
              sql,
            )}`,
          );
        }),
    // the instance's folder: its data, log (WAL or binlog), archive spool and server log
    usedBytes: async host => directorySize(localHost(host).dir),
  };

  constructor(
    private readonly servers: Partial<Record<Engine, LocalServer>>,
    options: { walArchiving?: boolean } = {},
  ) {
    if (options.walArchiving) this.backups = this.engineBackups();
  }

  private server(spec: EngineSpec): LocalServer {
    const server = this.servers[spec.flavor.engine];
    if (!server) {
      throw new RuntimeFault(
        'ENGINE_UNAVAILABLE',
        `The local runtime cannot run ${spec.flavor.engine} on this machine`,
      );
    }
    return server;
  }

  private backupsOf(spec: EngineSpec): LocalBackups {
    const backups = this.server(spec).backups;
    if (!backups) {
      throw new RuntimeFault(
        'ENGINE_UNAVAILABLE',
        `The local runtime cannot back up ${spec.flavor.engine} yet`,
      );
    }
    return backups;
  }

  private engineBackups(): EngineBackups {
    return {
      baseBackup: (host, spec, secrets, ctx) =>
        this.backupsOf(spec).baseBackup(localHost(host), secrets, ctx.signal),
      archivedWal: (host, spec) =>
        this.backupsOf(spec).archivedWal(localHost(host)),
      closeLog: (host, spec, secrets) =>
        this.backupsOf(spec).closeLog(localHost(host), secrets),
      restore: (host, spec, secrets, request, ctx) =>
        this.backupsOf(spec).restore(
          localHost(host),
          spec,
          secrets,
          request,
          ctx.signal,
        ),
    };
  }

  /** deploy returns once the server answers clients (see LocalServer.setUpOverClientPath) */
  readonly deployAnswers = true;

  async deploy(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    ctx?: StepContext,
  ) {
    const server = this.server(spec);
    const local = localHost(host);
    await server.initialize(local, spec, secrets);
    await server.start(local, spec, secrets);
    const endpoint = await server.ensureApplicationDatabase(
      local,
      spec,
      secrets,
    );
    if (!server.setUpOverClientPath) {
      await untilAnswering(server, local, spec, secrets, ctx);
    }
    return endpoint;
  }

  health(host: HostRef, spec: EngineSpec, secrets: EngineSecrets) {
    return this.server(spec).health(localHost(host), spec, secrets);
  }

  async stop(host: HostRef, spec: EngineSpec) {
    await this.server(spec).stop(localHost(host));
  }

  async start(host: HostRef, spec: EngineSpec, secrets: EngineSecrets) {
    await this.server(spec).start(localHost(host), spec, secrets);
  }

  async logs(host: HostRef, spec: EngineSpec, tail: number) {
    const file =
      spec.flavor.engine === 'postgresql' ? 'postgres.log' : 'mariadb.log';
    const text = await fs
      .readFile(path.join(localHost(host).dir, file), 'utf8')
      .catch(() => '');
    return text
      .split('\n')
      .slice(-tail - 1)
      .join('\n');
  }

  /** The same server started again with the flavor's settings (memory, TLS) written anew. */
  async replace(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    ctx?: StepContext,
  ) {
    await this.server(spec).stop(localHost(host));
    return this.deploy(host, spec, secrets, ctx);
  }

  async remove(host: HostRef, spec: EngineSpec) {
    await this.server(spec).stop(localHost(host));
  }
}

/** Waits until a server set up over its admin socket answers clients over TCP. */
async function untilAnswering(
  server: LocalServer,
  host: LocalHost,
  spec: EngineSpec,
  secrets: EngineSecrets,
  ctx?: StepContext,
) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const health = await server.health(host, spec, secrets);
    if (health.state === 'healthy') return;
    if (Date.now() > deadline) {
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `${spec.flavor.engine} on port ${host.port} does not answer clients: ${
          health.message ?? health.state
        }`,
      );
    }
    ctx?.signal.throwIfAborted();
    await delay(200);
  }
}
