import { Endpoint, Engine } from '@dbaas/plugin-dbaas-common';

/** Copy-ready ways to connect, without the password (clients ask for it). */
export function connectionStrings(engine: Engine, e: Endpoint) {
  if (engine === 'postgresql') {
    return [
      {
        label: 'psql',
        value: `psql "postgresql://${e.user}@${e.host}:${e.port}/${e.database}"`,
      },
      {
        label: 'URI',
        value: `postgresql://${e.user}@${e.host}:${e.port}/${e.database}`,
      },
      {
        label: 'JDBC',
        value: `jdbc:postgresql://${e.host}:${e.port}/${e.database}?user=${e.user}`,
      },
    ];
  }
  return [
    {
      label: 'mysql',
      value: `mysql -h ${e.host} -P ${e.port} -u ${e.user} -p ${e.database}`,
    },
    {
      label: 'URI',
      value: `mysql://${e.user}@${e.host}:${e.port}/${e.database}`,
    },
    {
      label: 'JDBC',
      value: `jdbc:${engine === 'mariadb' ? 'mariadb' : 'mysql'}://${e.host}:${
        e.port
      }/${e.database}?user=${e.user}`,
    },
  ];
}
