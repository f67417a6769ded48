import { Flavor } from '@dbaas/plugin-dbaas-common';
import {
  ENGINE_LAYOUT,
  IMAGE_UID,
  MANAGED_BY,
  SECRETS_DIR,
  WAL_SPOOL_PATH,
} from '@dbaas/plugin-dbaas-node';

/**
 * The Kubernetes objects of one instance: the host stage makes the namespace and the
 * PersistentVolumeClaim; the engine stage the Secret, the Service and the StatefulSet.
 * Pure functions of the instance, so a repeated server-side apply changes nothing.
 */

export interface KubernetesInstance {
  instanceId: string;
  instanceName: string;
  owner: string;
  flavor: Flavor;
  storageGiB: number;
  namespace: string;
  storageClassName?: string;
  serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  database: string;
  username: string;
  /**
   * The instance has a WAL spool claim (`<name>-wal`): PostgreSQL instances made since the
   * runtime backs up; the StatefulSet mounts it and the server archives into it.
   */
  walSpool?: boolean;
}

export interface KubernetesSecrets {
  password: string;
  adminPassword: string;
  /** The server's certificate from the Manager's CA. */
  tls?: { certificatePem: string; privateKeyPem: string; caPem: string };
}

export const objectName = (i: Pick<KubernetesInstance, 'instanceName'>) =>
  `dbaas-${i.instanceName}`;

/** The Service's DNS names, as in-cluster clients reach it: the server certificate names them. */
export function serviceDnsNames(
  i: Pick<KubernetesInstance, 'instanceName' | 'namespace'>,
): string[] {
  const name = objectName(i);
  return [
    `${name}.${i.namespace}.svc`,
    `${name}.${i.namespace}.svc.cluster.local`,
    `${name}.${i.namespace}`,
    name,
  ];
}

/** The files the image reads from SECRETS_DIR, by Secret key (see images/). */
const SECRET_FILES = ['password', 'admin-password'];
const TLS_FILES = ['tls.crt', 'tls.key', 'ca.crt'];

/** What the URIs add to ask clients to verify the server's certificate and name. */
function verification(
  engine: KubernetesInstance['flavor']['engine'],
  tls: boolean,
) {
  if (!tls) return { uri: '', jdbc: '' };
  if (engine === 'postgresql') {
    return { uri: '?sslmode=verify-full', jdbc: '&sslmode=verify-full' };
  }
  return {
    uri: '?ssl-mode=VERIFY_IDENTITY',
    // MariaDB Connector/J and MySQL Connector/J name it differently
    jdbc:
      engine === 'mariadb'
        ? '&sslMode=verify-full'
        : '&sslMode=VERIFY_IDENTITY',
  };
}

/** A label value from any text: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends. */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]/g, '.')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export function labels(i: KubernetesInstance) {
  return {
    'app.kubernetes.io/name': i.flavor.engine,
    'app.kubernetes.io/instance': objectName(i),
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'dbaas.backstage.io/instance-id': i.instanceId,
    'dbaas.backstage.io/owner': labelValue(i.owner),
    'dbaas.backstage.io/flavor': i.flavor.id,
  };
}

const selector = (i: KubernetesInstance) => ({
  'app.kubernetes.io/instance': objectName(i),
  'app.kubernetes.io/managed-by': MANAGED_BY,
});

const metadata = (i: KubernetesInstance, name = objectName(i)) => ({
  name,
  namespace: i.namespace,
  labels: labels(i),
  annotations: { 'dbaas.backstage.io/owner': i.owner },
});

export function namespaceObject(i: KubernetesInstance) {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: i.namespace,
      labels: { 'app.kubernetes.io/managed-by': MANAGED_BY },
    },
  };
}

export function persistentVolumeClaim(i: KubernetesInstance) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(i, `${objectName(i)}-data`),
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(i.storageClassName ? { storageClassName: i.storageClassName } : {}),
      resources: { requests: { storage: `${i.storageGiB}Gi` } },
    },
  };
}

/** Whether an instance of this engine gets a WAL spool claim (PostgreSQL archives its WAL). */
export const archivesWal = (engine: KubernetesInstance['flavor']['engine']) =>
  engine === 'postgresql';

export const walClaimName = (i: Pick<KubernetesInstance, 'instanceName'>) =>
  `${objectName(i)}-wal`;

/**
 * The WAL spool's claim: the finished WAL files wait there (outside PGDATA, across pod
 * restarts) until the Manager ships them, every 10 s; a tenth of the data's size, at least 1 GiB.
 */
export function walSpoolClaim(i: KubernetesInstance) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(i, walClaimName(i)),
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(i.storageClassName ? { storageClassName: i.storageClassName } : {}),
      resources: {
        requests: { storage: `${Math.max(1, Math.ceil(i.storageGiB / 10))}Gi` },
      },
    },
  };
}

/**
 * Keys as the issue asks: username, password, dbname, host, port, uri, jdbc-uri; with TLS
 * also tls.crt, tls.key and ca.crt (the CA clients verify the server with), and the URIs
 * ask for verification of the server's certificate and name.
 */
export function secret(i: KubernetesInstance, s: KubernetesSecrets) {
  const port = ENGINE_LAYOUT[i.flavor.engine].port;
  const host = serviceDnsNames(i)[0];
  const scheme = i.flavor.engine === 'postgresql' ? 'postgresql' : 'mysql';
  const jdbc =
    i.flavor.engine === 'postgresql' ? 'postgresql' : i.flavor.engine;
  const verify = verification(i.flavor.engine, Boolean(s.tls));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(i),
    type: 'Opaque',
    stringData: {
      username: i.username,
      password: s.password,
      'admin-password': s.adminPassword,
      dbname: i.database,
      host,
      port: String(port),
      uri: `${scheme}://${encodeURIComponent(i.username)}:${encodeURIComponent(
        s.password,
      )}@${host}:${port}/${i.database}${verify.uri}`,
      'jdbc-uri': `jdbc:${jdbc}://${host}:${port}/${i.database}?user=${
        i.username
      }&password=${encodeURIComponent(s.password)}${verify.jdbc}`,
      ...(s.tls
        ? {
            'tls.crt': s.tls.certificatePem,
            'tls.key': s.tls.privateKeyPem,
            'ca.crt': s.tls.caPem,
          }
        : {}),
    },
  };
}

export function service(i: KubernetesInstance) {
  const port = ENGINE_LAYOUT[i.flavor.engine].port;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(i),
    spec: {
      type: i.serviceType,
      selector: selector(i),
      ports: [{ name: 'db', port, targetPort: 'db', protocol: 'TCP' }],
    },
  };
}

/**
 * The one-replica StatefulSet. With `restoring` (a restore into the new instance's empty
 * claim): the image waits for the runtime to fill PGDATA through exec instead of running
 * initdb (DBAAS_RESTORE_WAIT), and there is no liveness probe, which would restart the
 * container while the backup streams in and the server recovers. The next `deploy` applies
 * the StatefulSet without both.
 */
export function statefulSet(
  i: KubernetesInstance,
  options: { restoring?: boolean } = {},
) {
  const spool = Boolean(i.walSpool) && archivesWal(i.flavor.engine);
  const layout = ENGINE_LAYOUT[i.flavor.engine];
  const probe = (periodSeconds: number, failureThreshold: number) => ({
    exec: { command: ['healthcheck.sh'] },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(i),
    spec: {
      replicas: 1,
      serviceName: objectName(i),
      selector: { matchLabels: selector(i) },
      template: {
        metadata: { labels: labels(i) },
        spec: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: IMAGE_UID,
            runAsGroup: IMAGE_UID,
            fsGroup: IMAGE_UID,
          },
          containers: [
            {
              name: i.flavor.engine,
              image: i.flavor.image,
              env: [
                { name: 'DBAAS_DATABASE', value: i.database },
                { name: 'DBAAS_USER', value: i.username },
                {
                  name: 'DBAAS_PASSWORD_FILE',
                  value: `${SECRETS_DIR}/password`,
                },
                {
                  name: 'DBAAS_ADMIN_PASSWORD_FILE',
                  value: `${SECRETS_DIR}/admin-password`,
                },
                { name: 'DBAAS_MEMORY_MIB', value: String(i.flavor.memoryMiB) },
                // the files come from the Secret when it has them (an instance deployed
                // before it had a certificate serves without TLS)
                {
                  name: 'DBAAS_TLS_CERT_FILE',
                  value: `${SECRETS_DIR}/tls.crt`,
                },
                { name: 'DBAAS_TLS_KEY_FILE', value: `${SECRETS_DIR}/tls.key` },
                { name: 'DBAAS_TLS_CA_FILE', value: `${SECRETS_DIR}/ca.crt` },
                {
                  name: 'DBAAS_TLS_REQUIRE',
                  value: i.flavor.tls?.require ? 'true' : 'false',
                },
                ...(spool
                  ? [{ name: 'DBAAS_WAL_SPOOL', value: WAL_SPOOL_PATH }]
                  : []),
                ...(options.restoring
                  ? [{ name: 'DBAAS_RESTORE_WAIT', value: 'true' }]
                  : []),
              ],
              ports: [
                { name: 'db', containerPort: layout.port, protocol: 'TCP' },
              ],
              resources: {
                requests: {
                  cpu: String(i.flavor.cpu),
                  memory: `${i.flavor.memoryMiB}Mi`,
                },
                limits: {
                  cpu: String(i.flavor.cpu),
                  memory: `${i.flavor.memoryMiB}Mi`,
                },
              },
              readinessProbe: probe(5, 3),
              ...(options.restoring
                ? {}
                : {
                    livenessProbe: { ...probe(10, 6), initialDelaySeconds: 30 },
                  }),
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'data', mountPath: layout.dataPath },
                { name: 'secrets', mountPath: SECRETS_DIR, readOnly: true },
                ...(spool ? [{ name: 'wal', mountPath: WAL_SPOOL_PATH }] : []),
              ],
            },
          ],
          volumes: [
            {
              name: 'data',
              persistentVolumeClaim: { claimName: `${objectName(i)}-data` },
            },
            ...(spool
              ? [
                  {
                    name: 'wal',
                    persistentVolumeClaim: { claimName: walClaimName(i) },
                  },
                ]
              : []),
            {
              name: 'secrets',
              projected: {
                defaultMode: 0o400,
                sources: [
                  {
                    secret: {
                      name: objectName(i),
                      items: SECRET_FILES.map(key => ({ key, path: key })),
                    },
                  },
                  {
                    secret: {
                      name: objectName(i),
                      items: TLS_FILES.map(key => ({ key, path: key })),
                      optional: true,
                    },
                  },
                ],
              },
            },
          ],
        },
      },
    },
  };
}
