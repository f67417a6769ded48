#!/bin/bash
# A logical backup of the application database ($2, else $DBAAS_DATABASE: a server from the
# warm pool was started with a placeholder name) with mariadb-dump, as the
# admin user over the local socket, in one consistent snapshot (--single-transaction), with its
# routines, events and triggers, into the file named by $1 (the runtime reads it out through
# Docker's archive API, then deletes it). On stderr, besides errors, lines the runtime reads:
#   dbaas-dump: started-at <epoch seconds>   (the container's clock, just before the snapshot)
#   dbaas-dump: stopped-at <epoch seconds>
# It exits non-zero when the dump failed.
#   dbaas-dump.sh /tmp/dbaas-backup/dbaas-backup.sql [database]
set -euo pipefail
out="${1:?name the dump file}"
database="${2:-${DBAAS_DATABASE:?}}"
if [ -n "${DBAAS_ADMIN_PASSWORD_FILE:-}" ]; then
  MYSQL_PWD="$(cat "$DBAAS_ADMIN_PASSWORD_FILE")"
else
  MYSQL_PWD="${DBAAS_ADMIN_PASSWORD:-}"
fi
export MYSQL_PWD
mkdir -p "$(dirname "$out")"
rm -f "$out"
echo "dbaas-dump: started-at $(date +%s.%N)" >&2
mariadb-dump --socket=/run/mysqld/mysqld.sock --user=root --single-transaction \
  --routines --events --triggers --databases "$database" > "$out.tmp"
mv "$out.tmp" "$out"
echo "dbaas-dump: stopped-at $(date +%s.%N)" >&2
