import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  Credentials,
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
    const { host, port, database, user } = instance.endpoint;
    const postgres = instance.engine === 'postgresql';
    const scheme = postgres ? 'postgresql' : 'mysql';
    // clients verify the server's certificate and name with the CA (GET /instances/{id}/ca)
    let verify = '';
    if (tls)
      verify = postgres ? '?sslmode=verify-full' : '?ssl-mode=VERIFY_IDENTITY';
    return {
      host,
      port,
      database,
      username: user,
      password,
      uri: `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(
        password,
      )}@${host}:${port}/${database}${verify}`,
      ...(tls ? { ca: tls.caPem } : {}),
    };
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

  private openSecrets(instance: StoredInstance): EngineSecrets {
    try {
      return this.deps.secretBox.open<EngineSecrets>(instance.sealedSecrets);
    } catch (error) {
      if (error instanceof SecretUnreadableError) {
        throw new ServiceUnavailableError(error.message);
      }
      throw error;
    }
  }
}
