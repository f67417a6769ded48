import { Endpoint, Engine } from '@dbaas/plugin-dbaas-common';

/** The file name the CA certificate downloads as, which the strings below refer to. */
export function caFileName(instanceName: string) {
  return `${instanceName}-ca.crt`;
}

/**
 * Copy-ready ways to connect, without the password (clients ask for it), each verifying the
 * server's certificate and name with the instance's CA (downloaded as `caFile`).
 */
export function connectionStrings(engine: Engine, e: Endpoint, caFile: string) {
  if (engine === 'postgresql') {
    return [
      {
        label: 'psql',
        value: `psql "host=${e.host} port=${e.port} dbname=${e.database} user=${e.user} sslmode=verify-full sslrootcert=${caFile}"`,
      },
      {
        label: 'URI',
        value: `postgresql://${e.user}@${e.host}:${e.port}/${e.database}?sslmode=verify-full`,
      },
      {
        label: 'JDBC',
        value: `jdbc:postgresql://${e.host}:${e.port}/${e.database}?user=${e.user}&sslmode=verify-full&sslrootcert=${caFile}`,
      },
    ];
  }
  return [
    {
      label: engine === 'mariadb' ? 'mariadb' : 'mysql',
      value:
        engine === 'mariadb'
          ? `mariadb -h ${e.host} -P ${e.port} -u ${e.user} -p --ssl-verify-server-cert --ssl-ca=${caFile} ${e.database}`
          : `mysql -h ${e.host} -P ${e.port} -u ${e.user} -p --ssl-mode=VERIFY_IDENTITY --ssl-ca=${caFile} ${e.database}`,
    },
    {
      label: 'URI',
      value: `mysql://${e.user}@${e.host}:${e.port}/${e.database}?ssl-mode=VERIFY_IDENTITY`,
    },
    {
      label: 'JDBC',
      value:
        engine === 'mariadb'
          ? `jdbc:mariadb://${e.host}:${e.port}/${e.database}?user=${e.user}&sslMode=verify-full&serverSslCert=${caFile}`
          : `jdbc:mysql://${e.host}:${e.port}/${e.database}?user=${e.user}&sslMode=VERIFY_IDENTITY`,
    },
  ];
}
