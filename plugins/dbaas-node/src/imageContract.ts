/**
 * The contract between the Manager's runtimes and the flavor images (see images/README.md):
 * where each engine keeps data and listens, the user it runs as, where secrets go, and the
 * labels that tie a container, volume or VM to its instance.
 */

/** Where each engine's image keeps data and listens. */
export const ENGINE_LAYOUT = {
  postgresql: { dataPath: '/var/lib/postgresql/data', port: 5432 },
  mariadb: { dataPath: '/var/lib/mysql', port: 3306 },
  mysql: { dataPath: '/var/lib/mysql', port: 3306 },
} as const;

/** The images run their server as this uid/gid. */
export const IMAGE_UID = 999;

/** Where runtimes put the secret files the images read (`DBAAS_*_FILE`). */
export const SECRETS_DIR = '/run/dbaas';

/** Labels (tags) on everything a runtime makes: for re-adoption and leak checks. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'backstage-dbaas';
export const LABEL_INSTANCE = 'dbaas.backstage.io/instance-id';
export const LABEL_OWNER = 'dbaas.backstage.io/owner';
export const LABEL_FLAVOR = 'dbaas.backstage.io/flavor';

export const containerName = (instanceId: string) => `dbaas-${instanceId}`;
export const volumeName = (instanceId: string) => `dbaas-${instanceId}-data`;
/** A PostgreSQL container's second volume: the WAL spool, outside PGDATA (see images/README.md). */
export const walVolumeName = (instanceId: string) => `dbaas-${instanceId}-wal`;

/** Where the PostgreSQL image's archive_command copies finished WAL files, when set as DBAAS_WAL_SPOOL. */
export const WAL_SPOOL_PATH = '/var/lib/dbaas/wal-spool';

/** Labels that tie a container, volume or VM to its instance. */
export function instanceLabels(spec: {
  instanceId: string;
  owner: string;
  flavor: { id: string };
}): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_INSTANCE]: spec.instanceId,
    [LABEL_OWNER]: spec.owner,
    [LABEL_FLAVOR]: spec.flavor.id,
  };
}
