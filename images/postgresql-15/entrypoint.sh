#!/bin/bash
# Initializes the data directory, the application database, its user and the admin password
# on first start (from DBAAS_* variables or *_FILE secret files), and reuses them afterwards;
# serves TLS when DBAAS_TLS_CERT_FILE and DBAAS_TLS_KEY_FILE name a certificate and its key.
set -euo pipefail

# DBAAS_PASSWORD_FILE=/run/dbaas/password beats DBAAS_PASSWORD
read_secret() {
  local var="$1" file_var="${1}_FILE"
  if [ -n "${!file_var:-}" ]; then
    printf '%s' "$(cat "${!file_var}")"
  else
    printf '%s' "${!var:-}"
  fi
}

# A restore into a new instance (the Kubernetes runtime sets DBAAS_RESTORE_WAIT=true in the
# StatefulSet it applies for one): no initdb; see the end.
restoring=false
if [ "$1" = 'postgres' ] && [ "${DBAAS_RESTORE_WAIT:-false}" = 'true' ] \
  && { [ ! -s "$PGDATA/PG_VERSION" ] || [ -e "$PGDATA/dbaas-recovery.conf" ]; }; then
  restoring=true
fi

if [ "$1" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ] && [ "$restoring" = false ]; then
  : "${DBAAS_DATABASE:?set DBAAS_DATABASE to the application database name}"
  : "${DBAAS_USER:?set DBAAS_USER to the application user name}"
  password="$(read_secret DBAAS_PASSWORD)"
  admin_password="$(read_secret DBAAS_ADMIN_PASSWORD)"
  if [ -z "$password" ] || [ -z "$admin_password" ]; then
    echo 'entrypoint: set DBAAS_PASSWORD(_FILE) and DBAAS_ADMIN_PASSWORD(_FILE)' >&2
    exit 64
  fi

  pwfile="$(mktemp)"
  printf '%s\n' "$admin_password" > "$pwfile"
  initdb -D "$PGDATA" --username=postgres --pwfile="$pwfile" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 > /dev/null
  rm -f "$pwfile"

  memory_mib="${DBAAS_MEMORY_MIB:-1024}"
  {
    cat /etc/dbaas/postgresql.conf
    echo "shared_buffers = $((memory_mib / 4))MB"
    echo "effective_cache_size = $((memory_mib * 3 / 4))MB"
    echo "maintenance_work_mem = $((memory_mib / 16))MB"
    echo "work_mem = $((memory_mib / 64 > 4 ? memory_mib / 64 : 4))MB"
  } >> "$PGDATA/postgresql.conf"
  echo 'host all all all scram-sha-256' >> "$PGDATA/pg_hba.conf"

  # the database and user, through the unix socket of a server no one else can reach yet
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start > /dev/null
  PGPASSWORD="$admin_password" psql -v ON_ERROR_STOP=1 -q --username=postgres --dbname=postgres \
    -v db="$DBAAS_DATABASE" -v user="$DBAAS_USER" -v password="$password" <<'SQL'
CREATE ROLE :"user" WITH LOGIN NOSUPERUSER NOCREATEROLE PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
SQL
  pg_ctl -D "$PGDATA" -m fast -w stop > /dev/null
  echo "entrypoint: initialized database $DBAAS_DATABASE for $DBAAS_USER"
fi

# a Kubernetes pod names the files always; its Secret has them once the instance has a certificate
if [ -n "${DBAAS_TLS_CERT_FILE:-}" ] && [ ! -s "$DBAAS_TLS_CERT_FILE" ]; then
  echo "entrypoint: $DBAAS_TLS_CERT_FILE is missing: serving without TLS" >&2
  unset DBAAS_TLS_CERT_FILE
fi

# TLS, on every start: the certificate and key from DBAAS_TLS_CERT_FILE/DBAAS_TLS_KEY_FILE
# (copied, so the key is the server user's own with mode 0600, as PostgreSQL demands), and
# with DBAAS_TLS_REQUIRE=true a first pg_hba.conf rule that refuses plain-text TCP.
reject_plain='hostnossl all all all reject # dbaas: DBAAS_TLS_REQUIRE'
if [ "$1" = 'postgres' ] && [ -s "$PGDATA/pg_hba.conf" ]; then
  hba="$(grep -vxF "$reject_plain" "$PGDATA/pg_hba.conf" || true)"
  if [ -n "${DBAAS_TLS_CERT_FILE:-}" ] && [ "${DBAAS_TLS_REQUIRE:-false}" = 'true' ]; then
    hba="$reject_plain"$'\n'"$hba"
  fi
  printf '%s\n' "$hba" > "$PGDATA/pg_hba.conf"
fi
if [ "$1" = 'postgres' ] && [ -n "${DBAAS_TLS_CERT_FILE:-}" ]; then
  : "${DBAAS_TLS_KEY_FILE:?set DBAAS_TLS_KEY_FILE with DBAAS_TLS_CERT_FILE}"
  tls_dir=/run/postgresql/tls
  mkdir -p "$tls_dir"
  chmod 700 "$tls_dir"
  install -m 0644 "$DBAAS_TLS_CERT_FILE" "$tls_dir/server.crt"
  install -m 0600 "$DBAAS_TLS_KEY_FILE" "$tls_dir/server.key"
  set -- "$@" -c ssl=on -c "ssl_cert_file=$tls_dir/server.crt" -c "ssl_key_file=$tls_dir/server.key" \
    -c ssl_min_protocol_version=TLSv1.2
fi

# WAL archiving, on every start, when the runtime mounted a spool (a volume outside PGDATA):
# each finished file is copied there by dbaas-archive-wal.sh, for the Manager to ship
if [ "$1" = 'postgres' ] && [ -n "${DBAAS_WAL_SPOOL:-}" ]; then
  mkdir -p "$DBAAS_WAL_SPOOL"
  set -- "$@" -c archive_mode=on -c archive_timeout=30s \
    -c "archive_command=dbaas-archive-wal.sh %p %f"
fi

# The restore: wait until the runtime has filled PGDATA (the base backup, with its recovery
# settings) and /var/lib/dbaas/restore-wal through exec and removed the wait mark; then run
# the server as a child, so that a recovery that stops (a target the WAL does not reach) leaves
# the container, and the WAL in its layer, in place: the mark is set again, and the runtime
# changes the settings and lets the server start again. Once dbaas-restore-done.sh has removed
# the recovery settings, the server's end is the container's.
if [ "$restoring" = true ]; then
  restore_wait=/var/lib/dbaas/restore-wait
  touch "$restore_wait"
  pid='' stopping=false
  trap 'stopping=true; [ -z "$pid" ] || kill -TERM "$pid"' TERM
  trap 'stopping=true; [ -z "$pid" ] || kill -INT "$pid"' INT
  for (( ; ; )); do
    while [ -e "$restore_wait" ]; do
      [ "$stopping" = false ] || exit 0
      sleep 0.5
    done
    # (a volume whose root is not ours: the server says why it refuses it, in the log below)
    chmod 700 "$PGDATA" || true
    # its log also in a file the runtime reads (why a recovery stopped), whole once tee ends
    fifo=/var/lib/dbaas/restore-server.fifo
    rm -f "$fifo"
    mkfifo "$fifo"
    tee /var/lib/dbaas/restore-server.log < "$fifo" >&2 &
    tee_pid=$!
    "$@" 2> "$fifo" &
    pid=$!
    status=0
    wait "$pid" || status=$?
    while kill -0 "$pid" 2> /dev/null; do # a signal passed on: wait for the server's end
      status=0
      wait "$pid" || status=$?
    done
    wait "$tee_pid" || true
    pid=''
    if [ "$stopping" = true ] || [ ! -e "$PGDATA/dbaas-recovery.conf" ]; then
      exit "$status"
    fi
    echo "entrypoint: the server stopped during the restore (exit code $status): waiting for the runtime" >&2
    touch "$restore_wait"
  done
fi

exec "$@"
