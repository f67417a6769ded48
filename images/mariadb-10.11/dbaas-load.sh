#!/bin/bash
# Loads a dbaas-dump.sh backup (the file named by $1, then deleted) into this server as the
# admin user over the local socket, and gives the application user (the instance's own
# password, set at initialization) its privileges on the restored database again.
#   dbaas-load.sh /tmp/dbaas-backup.sql
set -euo pipefail
file="${1:?name the dump file}"
if [ -n "${DBAAS_ADMIN_PASSWORD_FILE:-}" ]; then
  MYSQL_PWD="$(cat "$DBAAS_ADMIN_PASSWORD_FILE")"
else
  MYSQL_PWD="${DBAAS_ADMIN_PASSWORD:-}"
fi
export MYSQL_PWD
sql() { mariadb --socket=/run/mysqld/mysqld.sock --user=root "$@"; }
sql < "$file"
esc() { printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/''/g"; }
sql -e "GRANT ALL PRIVILEGES ON \`${DBAAS_DATABASE:?}\`.* TO '$(esc "${DBAAS_USER:?}")'@'%'"
rm -f "$file"
