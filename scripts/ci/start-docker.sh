#!/usr/bin/env bash
# Starts Docker's engine unless one answers already, and waits until it does.
set -euo pipefail
if docker info > /dev/null 2>&1; then
  exit 0
fi
command -v dockerd > /dev/null || { echo "start-docker: dockerd is missing (apt-get install docker.io)" >&2; exit 1; }
log="${TMPDIR:-/tmp}/dbaas-dockerd.log"
echo "start-docker: starting dockerd (log: $log)"
nohup dockerd > "$log" 2>&1 &
for _ in $(seq 1 60); do
  if docker info > /dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
echo "start-docker: dockerd did not answer within 60 s; see $log" >&2
tail -n 20 "$log" >&2
exit 1
