import fs from 'fs/promises';
import path from 'path';
import { Engine } from '@dbaas/plugin-dbaas-common';
import {
  EngineRuntime,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import { localHost } from './LocalHostProvider';
import { LocalServer } from './LocalServer';

/** Runs each instance's database server as a local process, one server kind per engine. */
export class LocalEngineRuntime implements EngineRuntime {
  constructor(private readonly servers: Partial<Record<Engine, LocalServer>>) {}

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

  async deploy(host: HostRef, spec: EngineSpec, secrets: EngineSecrets) {
    const server = this.server(spec);
    const local = localHost(host);
    await server.initialize(local, spec, secrets);
    await server.start(local, spec, secrets);
    return server.ensureApplicationDatabase(local, spec, secrets);
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

  async remove(host: HostRef, spec: EngineSpec) {
    await this.server(spec).stop(localHost(host));
  }
}
