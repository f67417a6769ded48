#!/bin/bash
# PostgreSQL's archive_command: copies a finished WAL file (%p, named %f) into the spool
# ($DBAAS_WAL_SPOOL) under a hidden name, flushes it and renames it. An existing file is never
# overwritten; it counts as archived when identical (the server asks again for a file it
# archived just before a crash).
set -eu
src="$1" name="$2" spool="${DBAAS_WAL_SPOOL:?}"
target="$spool/$name" temp="$spool/.$name.tmp"
if [ -f "$target" ]; then
  exec cmp -s "$src" "$target"
fi
cp "$src" "$temp"
sync "$temp"
mv "$temp" "$target"
