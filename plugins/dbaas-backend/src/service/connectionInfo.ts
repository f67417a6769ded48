import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  Credentials,
  Endpoint,
  dbaasInstanceCredentialsReadPermission,
  dbaasInstanceReadPermission,
} from '@dbaas/plugin-dbaas-common';
import { EngineSecrets } from '@dbaas/plugin-dbaas-node';
import { SecretBox, SecretUnreadableError } from '../crypto/SecretBox';
import { StoredInstance } from '../store/InstanceStore';
import { InstanceCertificates } from '../tls/InstanceCertificates';
import { InstanceGate } from './access/instanceGate';

/** How clients connect to an instance: its credentials and the CA that vouches for it. */
export class ConnectionInfo {
  constructor(
    private readonly deps: {
      gate: InstanceGate;
      secretBox: SecretBox;
      certificates?: InstanceCertificates;
    },
  ) {}

  async credentials(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<Credentials> {
    const instance = await this.deps.gate.load(
      id,
      credentials,
      dbaasInstanceCredentialsReadPermission,
    );
    if (
      !instance.endpoint ||
      !['running', 'recovering', 'stopped'].includes(instance.status)
    ) {
      throw new ConflictError(
        `Credentials exist once the database is running; ${instance.name} is ${instance.status}`,
      );
    }
    const { password, tls } = this.openSecrets(instance);
    return connectionCredentials(instance, instance.endpoint, {
      user: instance.endpoint.user,
      password,
      caPem: tls?.caPem,
    });
  }

  /** The instance's secrets; 503 when no configured key opens them. */
  openSecrets(instance: StoredInstance): EngineSecrets {
    try {
      return this.deps.secretBox.open<EngineSecrets>(instance.sealedSecrets);
    } catch (error) {
      if (error instanceof SecretUnreadableError) {
        throw new ServiceUnavailableError(error.message);
      }
      throw error;
    }
  }

  /**
   * The CA certificate (PEM) that the instance's server certificate chains to: what clients
   * verify the server with. Public, so reading the instance is enough.
   */
  async caCertificate(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<{ name: string; pem: string }> {
    const instance = await this.deps.gate.load(
      id,
      credentials,
      dbaasInstanceReadPermission,
    );
    const issued = this.openSecrets(instance).tls?.caPem;
    if (issued) return { name: instance.name, pem: issued };
    if (!this.deps.certificates) {
      throw new NotFoundError(
        `${instance.name} serves no TLS: this Manager issues no certificates`,
      );
    }
    // not deployed yet: the CA that will sign its certificate
    return { name: instance.name, pem: await this.deps.certificates.caPem() };
  }
}

/**
 * What a client connects with as `login.user` to `database` (the endpoint's unless given): a
 * URI that asks for verification of the server's certificate and name when it serves TLS.
 */
export function connectionCredentials(
  instance: StoredInstance,
  endpoint: Endpoint,
  login: { user: string; password: string; caPem?: string; database?: string },
): Credentials {
  const { host, port } = endpoint;
  const database = login.database ?? endpoint.database;
  const postgres = instance.engine === 'postgresql';
  const scheme = postgres ? 'postgresql' : 'mysql';
  // clients verify the server's certificate and name with the CA (GET /instances/{id}/ca)
  let verify = '';
  if (login.caPem)
    verify = postgres ? '?sslmode=verify-full' : '?ssl-mode=VERIFY_IDENTITY';
  return {
    host,
    port,
    database,
    username: login.user,
    password: login.password,
    uri: `${scheme}://${encodeURIComponent(login.user)}:${encodeURIComponent(
      login.password,
    )}@${host}:${port}/${database}${verify}`,
    ...(login.caPem ? { ca: login.caPem } : {}),
  };
}
