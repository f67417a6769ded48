#!/bin/bash
# A base backup of this container's server as a tar on stdout: pg_basebackup over the local
# socket as the superuser, without WAL (the archived WAL in the spool covers it), waiting until
# the backup's last WAL file is archived. On stderr, besides errors, lines the runtime reads:
#   dbaas-basebackup: started-at <epoch seconds>   (the server's clock)
#   dbaas-basebackup: START WAL LOCATION: <lsn> (file <name>)   ... the backup history file
#   dbaas-basebackup: stopped-at <epoch seconds>
# It exits non-zero when the backup failed; the tar is then incomplete.
#   dbaas-basebackup.sh <label>
set -euo pipefail
if [ -n "${DBAAS_ADMIN_PASSWORD_FILE:-}" ]; then
  PGPASSWORD="$(cat "$DBAAS_ADMIN_PASSWORD_FILE")"
else
  PGPASSWORD="${DBAAS_ADMIN_PASSWORD:-}"
fi
export PGPASSWORD PGHOST=/run/postgresql PGUSER=postgres
now() { psql -XAtq -d template1 -c 'SELECT extract(epoch FROM clock_timestamp())'; }
if [ "$(psql -XAtq -d template1 -c 'SHOW archive_mode')" != 'on' ]; then
  echo 'dbaas-basebackup: WAL archiving is off (no DBAAS_WAL_SPOOL): a base backup would not restore' >&2
  exit 3
fi
echo "dbaas-basebackup: started-at $(now)" >&2
pg_basebackup --pgdata=- --format=tar --wal-method=none --checkpoint=fast --no-manifest \
  --label="${1:-dbaas}" --verbose
echo "dbaas-basebackup: stopped-at $(now)" >&2
# the server's backup history file (kept in pg_wal until the next backup): where the backup
# starts and stops in the WAL, and on which timeline
history="$(grep -lxF "LABEL: ${1:-dbaas}" "$PGDATA"/pg_wal/*.backup | tail -n1)"
sed 's/^/dbaas-basebackup: /' "$history" >&2
