import { X509Certificate } from 'crypto';
import { once } from 'events';
import { AddressInfo } from 'net';
import tls from 'tls';
import { SecretBox } from '../crypto/SecretBox';
import { testController } from '../lifecycle/__testUtils__/testController';
import {
  CertificateAuthority,
  certificateNames,
  createCertificateAuthority,
  EngineSecrets,
  HostRef,
  issueServerCertificate,
  replacementReason,
  Runtime,
} from '@dbaas/plugin-dbaas-node';
import { resealSecrets } from '../service/admin/resealSecrets';
import { InstanceStore } from '../store/InstanceStore';
import { SettingsStore } from '../store/SettingsStore';
import { requestInstance } from '../__testUtils__/fixtures';
import { CA_SETTING, loadCertificateAuthority } from './certificateAuthority';
import { InstanceCertificates } from './InstanceCertificates';
import { createTestDatabases } from '../__testUtils__/testDatabases';

jest.setTimeout(60_000);

const databases = createTestDatabases(['POSTGRES_15', 'SQLITE_3']);
const boxA = new SecretBox([{ id: 'a', secret: 'key a, sixteen or more' }]);

/** A TLS server with this key and certificate; a client verifying with the CA connects? */
async function handshake(
  server: { key: string; cert: string },
  client: { ca: string; host: string; servername?: string },
): Promise<string | undefined> {
  const srv = tls.createServer(server, socket => socket.end('hello'));
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  try {
    const socket = tls.connect({
      port: (srv.address() as AddressInfo).port,
      host: '127.0.0.1',
      ca: client.ca,
      servername: client.servername,
      checkServerIdentity: (_host, cert) =>
        tls.checkServerIdentity(client.host, cert),
    });
    return await new Promise<string | undefined>(resolve => {
      socket.once('secureConnect', () => {
        socket.end();
        resolve(undefined);
      });
      socket.once('error', error => resolve(error.message));
    });
  } finally {
    srv.close();
  }
}

describe('the Manager CA', () => {
  let ca: CertificateAuthority;

  beforeAll(async () => {
    ca = await createCertificateAuthority();
  });

  it('is a CA certificate, self-signed, for ten years', () => {
    const cert = new X509Certificate(ca.certificatePem);
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    const years =
      (new Date(cert.validTo).getTime() - Date.now()) / (365.25 * 86400_000);
    expect(Math.round(years)).toBe(10);
  });

  it('issues server certificates a client verifies for each DNS name and IP address', async () => {
    const names = certificateNames([
      'orders.dbaas-team-a.svc',
      '[::1]',
      '127.0.0.1',
      '0.0.0.0',
      'LOCALHOST',
      'localhost',
    ]);
    expect(names).toEqual([
      'orders.dbaas-team-a.svc',
      '::1',
      '127.0.0.1',
      'localhost',
    ]);
    const issued = await issueServerCertificate(ca, names);
    const cert = new X509Certificate(issued.certificatePem);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(cert.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(
      true,
    );
    expect(cert.checkHost('orders.dbaas-team-a.svc')).toBeDefined();
    expect(cert.checkHost('localhost')).toBeDefined();
    expect(cert.checkIP('127.0.0.1')).toBeDefined();
    expect(cert.checkIP('::1')).toBeDefined();
    expect(cert.checkHost('elsewhere.example')).toBeUndefined();
    expect(cert.checkIP('10.1.2.3')).toBeUndefined();
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    expect(issued).toMatchObject({ caPem: ca.certificatePem, names });

    const server = { key: issued.privateKeyPem, cert: issued.certificatePem };
    expect(
      await handshake(server, { ca: ca.certificatePem, host: '127.0.0.1' }),
    ).toBeUndefined();
    expect(
      await handshake(server, {
        ca: ca.certificatePem,
        host: 'orders.dbaas-team-a.svc',
        servername: 'orders.dbaas-team-a.svc',
      }),
    ).toBeUndefined();
    // another name, or another CA: refused
    expect(
      await handshake(server, { ca: ca.certificatePem, host: '10.1.2.3' }),
    ).toMatch(/IP: 10.1.2.3 is not in the cert's list/);
    const other = await createCertificateAuthority();
    expect(
      await handshake(server, { ca: other.certificatePem, host: '127.0.0.1' }),
    ).toMatch(/unable to verify|self.signed|unable to get/i);
  });

  it('keeps a certificate while it serves the names, and says why it replaces one', async () => {
    const issued = await issueServerCertificate(ca, ['10.0.0.5', 'localhost']);
    expect(
      replacementReason(issued, ['localhost', '10.0.0.5'], ca.certificatePem),
    ).toBeUndefined();
    expect(replacementReason(undefined, ['localhost'], ca.certificatePem)).toBe(
      'the instance had none',
    );
    expect(
      replacementReason(issued, ['10.0.0.6', 'localhost'], ca.certificatePem),
    ).toBe('the previous one lacks 10.0.0.6');
    expect(
      replacementReason(
        issued,
        ['localhost'],
        (await createCertificateAuthority()).certificatePem,
      ),
    ).toBe('the previous one is from another CA');
    const later = new Date(Date.now() + 710 * 86400_000);
    expect(
      replacementReason(issued, ['localhost'], ca.certificatePem, later),
    ).toMatch(/^the previous one ends on /);
  });

  it.each(databases.eachSupportedId())(
    'is made once, sealed, and every replica gets the same one (%s)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await InstanceStore.create(knex);
      // two replicas, each with its own store object, race to make it
      const [first, second] = await Promise.all([
        loadCertificateAuthority(new SettingsStore(knex), boxA),
        loadCertificateAuthority(new SettingsStore(knex), boxA),
      ]);
      expect(second).toEqual(first);
      expect(
        await loadCertificateAuthority(new SettingsStore(knex), boxA),
      ).toEqual(first);

      const stored = (await new SettingsStore(knex).get(CA_SETTING))!;
      expect(SecretBox.isSealed(stored)).toBe(true);
      expect(stored).not.toContain('PRIVATE KEY');
      expect(boxA.open<CertificateAuthority>(stored)).toEqual(first);
    },
  );

  it.each(databases.eachSupportedId())(
    'is sealed again under a new key by resealSecrets (%s)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await InstanceStore.create(knex);
      const settings = new SettingsStore(knex);
      const stored = await loadCertificateAuthority(settings, boxA);

      const boxBA = new SecretBox([
        { id: 'b', secret: 'key b, sixteen or more' },
        { id: 'a', secret: 'key a, sixteen or more' },
      ]);
      const report = await resealSecrets(store, boxBA, settings);
      expect(report).toMatchObject({ keyId: 'b', unreadable: [] });
      expect(report.resealed).toBeGreaterThanOrEqual(1);

      const onlyB = new SecretBox([
        { id: 'b', secret: 'key b, sixteen or more' },
      ]);
      expect(await loadCertificateAuthority(settings, onlyB)).toEqual(stored);
      expect(await resealSecrets(store, onlyB, settings)).toMatchObject({
        resealed: 0,
        unreadable: [],
      });
      // a key that opens nothing: reported, not replaced
      const wrong = new SecretBox([
        { id: 'c', secret: 'key c, sixteen or more' },
      ]);
      expect(
        (await resealSecrets(store, wrong, settings)).unreadable,
      ).toContain(`setting:${CA_SETTING}`);
      expect(await loadCertificateAuthority(settings, onlyB)).toEqual(stored);
    },
  );
});

describe('LifecycleController with the CA', () => {
  it('issues the certificate before the first deploy, keeps it sealed, and hands the same one to a redeploy', async () => {
    const knex = await databases.init('SQLITE_3');
    const store = await InstanceStore.create(knex);
    const certificates = new InstanceCertificates({
      settings: new SettingsStore(knex),
      secretBox: boxA,
    });
    const deployed: EngineSecrets[] = [];
    const hostRef: HostRef = {
      runtime: 'local',
      instanceId: '',
      address: '10.20.30.40',
      data: { dir: '/nowhere' },
    };
    const runtime: Runtime = {
      name: 'local',
      unsupportedReason: () => undefined,
      host: {
        provision: async spec => ({ ...hostRef, instanceId: spec.instanceId }),
        describe: async () => ({ exists: true }),
        find: async () => undefined,
        destroy: async () => {},
      },
      engine: {
        deploy: async (host, spec, secrets) => {
          deployed.push(secrets);
          return {
            host: host.address,
            port: 5432,
            database: spec.database,
            user: spec.username,
          };
        },
        health: async () => ({ state: 'healthy' }),
        stop: async () => {},
        start: async () => {},
        remove: async () => {},
        tlsNames: () => ['orders-db.internal.example'],
      },
    };
    const { controller } = testController(store, runtime, {
      secretBox: boxA,
      leaseMs: 5000,
      healthPollMs: 10,
      certificates,
    });

    const created = await requestInstance(store, {}, boxA);
    controller.kick(created.id);
    await controller.idle();
    expect((await store.getInstance(created.id))!.status).toBe('running');

    expect(deployed).toHaveLength(1);
    const first = deployed[0].tls!;
    expect(first.names).toEqual([
      '10.20.30.40',
      'orders-db.internal.example',
      'localhost',
      '127.0.0.1',
      '::1',
    ]);
    expect(first.caPem).toBe(await certificates.caPem());
    const stored = (await store.getInstance(created.id))!;
    expect(boxA.open<EngineSecrets>(stored.sealedSecrets).tls).toEqual(first);
    expect(stored.sealedSecrets).not.toContain('PRIVATE KEY');

    // a deploy repeated (after a crash) serves the certificate already issued
    await store.updateInstance(created.id, {
      status: 'provisioning',
      phase: 'engine_deploying',
    });
    controller.kick(created.id);
    await controller.idle();
    expect(deployed).toHaveLength(2);
    expect(deployed[1].tls).toEqual(first);
  });
});
