#!/bin/bash
# Initializes the data directory, the application database, its user and the admin password
# on first start (from DBAAS_* variables or *_FILE secret files), and reuses them afterwards;
# serves TLS when DBAAS_TLS_CERT_FILE and DBAAS_TLS_KEY_FILE name a certificate and its key.
set -euo pipefail

read_secret() {
  local var="$1" file_var="${1}_FILE"
  if [ -n "${!file_var:-}" ]; then
    printf '%s' "$(cat "${!file_var}")"
  else
    printf '%s' "${!var:-}"
  fi
}

memory_mib="${DBAAS_MEMORY_MIB:-1024}"
tuning=("--innodb-buffer-pool-size=$((memory_mib / 2))M")

if [ "$1" = 'mariadbd' ] && [ ! -d /var/lib/mysql/mysql ]; then
  : "${DBAAS_DATABASE:?set DBAAS_DATABASE to the application database name}"
  : "${DBAAS_USER:?set DBAAS_USER to the application user name}"
  password="$(read_secret DBAAS_PASSWORD)"
  admin_password="$(read_secret DBAAS_ADMIN_PASSWORD)"
  if [ -z "$password" ] || [ -z "$admin_password" ]; then
    echo 'entrypoint: set DBAAS_PASSWORD(_FILE) and DBAAS_ADMIN_PASSWORD(_FILE)' >&2
    exit 64
  fi

  mariadb-install-db --datadir=/var/lib/mysql --auth-root-authentication-method=normal \
    --skip-test-db > /dev/null
  mariadbd --skip-networking "${tuning[@]}" &
  pid=$!
  for _ in $(seq 1 120); do
    mariadb-admin --socket=/run/mysqld/mysqld.sock ping > /dev/null 2>&1 && break
    sleep 0.5
  done
  sql() { mariadb --socket=/run/mysqld/mysqld.sock -uroot "$@"; }
  # a user with no privileges, so the healthcheck logs in instead of failing a login
  health_password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  esc() { printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/''/g"; }
  # the install's other root accounts (root@127.0.0.1, root@::1, root@<host name>) and any
  # anonymous ones have no password: only root@localhost, with the admin password, stays
  sql -N -e "SELECT CONCAT('DROP USER ', QUOTE(User), '@', QUOTE(Host), ';') FROM mysql.user WHERE (User = 'root' AND Host <> 'localhost') OR User = ''" \
    | sql
  sql <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$(esc "$admin_password")';
CREATE DATABASE \`${DBAAS_DATABASE}\`;
CREATE USER '$(esc "$DBAAS_USER")'@'%' IDENTIFIED BY '$(esc "$password")';
GRANT ALL PRIVILEGES ON \`${DBAAS_DATABASE}\`.* TO '$(esc "$DBAAS_USER")'@'%';
CREATE USER 'healthcheck'@'localhost' IDENTIFIED BY '${health_password}';
SQL
  printf '[client]\nuser=healthcheck\npassword=%s\nsocket=/run/mysqld/mysqld.sock\n' "$health_password" \
    > /var/lib/mysql/.healthcheck.cnf
  chmod 600 /var/lib/mysql/.healthcheck.cnf
  kill "$pid"
  wait "$pid" || true
  echo "entrypoint: initialized database $DBAAS_DATABASE for $DBAAS_USER"
fi

# a Kubernetes pod names the files always; its Secret has them once the instance has a certificate
if [ -n "${DBAAS_TLS_CERT_FILE:-}" ] && [ ! -s "$DBAAS_TLS_CERT_FILE" ]; then
  echo "entrypoint: $DBAAS_TLS_CERT_FILE is missing: serving without TLS" >&2
  unset DBAAS_TLS_CERT_FILE
fi

# TLS, on every start: the certificate, key and CA from DBAAS_TLS_*_FILE; with
# DBAAS_TLS_REQUIRE=true, plain-text TCP is refused (the unix socket stays usable).
tls=()
if [ -n "${DBAAS_TLS_CERT_FILE:-}" ]; then
  : "${DBAAS_TLS_KEY_FILE:?set DBAAS_TLS_KEY_FILE with DBAAS_TLS_CERT_FILE}"
  tls=("--ssl-cert=$DBAAS_TLS_CERT_FILE" "--ssl-key=$DBAAS_TLS_KEY_FILE" '--tls-version=TLSv1.2,TLSv1.3')
  [ -z "${DBAAS_TLS_CA_FILE:-}" ] || tls+=("--ssl-ca=$DBAAS_TLS_CA_FILE")
  if [ "${DBAAS_TLS_REQUIRE:-false}" = 'true' ]; then
    tls+=('--require-secure-transport=ON')
  fi
fi

if [ "$1" = 'mariadbd' ]; then
  shift
  exec mariadbd "${tuning[@]}" "${tls[@]}" "$@"
fi
exec "$@"
