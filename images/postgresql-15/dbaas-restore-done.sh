#!/bin/bash
# Ends a restore once the server is promoted: the instance's own admin password, the application
# user (with its own password) and database, and no recovery settings or restored WAL left; the
# server reloads its settings and keeps running. The runtime's restore reaches the server as
# postgres over the local socket through a temporary `trust` line in pg_hba.conf, removed here.
set -euo pipefail
read_secret() {
  local var="$1" file_var="${1}_FILE"
  if [ -n "${!file_var:-}" ]; then
    printf '%s' "$(cat "${!file_var}")"
  else
    printf '%s' "${!var:-}"
  fi
}
export PGHOST=/run/postgresql PGUSER=postgres
psql -X -v ON_ERROR_STOP=1 -q -d template1 \
  -v admin_password="$(read_secret DBAAS_ADMIN_PASSWORD)" -v password="$(read_secret DBAAS_PASSWORD)" \
  -v db="$DBAAS_DATABASE" -v user="$DBAAS_USER" <<'SQL'
ALTER ROLE postgres WITH PASSWORD :'admin_password';
SELECT format(CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user')
  THEN 'ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEROLE PASSWORD %L'
  ELSE 'CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEROLE PASSWORD %L' END, :'user', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
rm -f "$PGDATA/dbaas-recovery.conf" "$PGDATA/recovery.signal"
sed -i '/# dbaas: restore$/d' "$PGDATA/pg_hba.conf"
rm -rf /var/lib/dbaas/restore-wal
# the connection is let in by the trust line still in force until the reload
psql -XAtq -d template1 -c 'SELECT pg_reload_conf()' > /dev/null
