#!/usr/bin/env bash
# Builds the EC2 stand-in VM image dbaas/ec2-standin:bookworm unless it is there already and was
# built from these very files (a label holds their hash). Needs the base image debian:bookworm-slim,
# which images/build.sh makes where it cannot be pulled.
set -euo pipefail
cd "$(dirname "$0")"

image="${DBAAS_EC2_STANDIN_IMAGE:-dbaas/ec2-standin:bookworm}"
base=debian:bookworm-slim
hash="$(cat Dockerfile standin-init | sha256sum | cut -c1-16)"
label=io.backstage.dbaas.ec2-standin.hash

built="$(docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$image" 2> /dev/null || true)"
[ "$built" = "$hash" ] && exit 0
docker image inspect "$base" > /dev/null 2>&1 \
  || { echo "ec2-standin/build.sh: base image $base is missing (images/build.sh makes it)" >&2; exit 1; }
echo "ec2-standin/build.sh: $image"
docker build --quiet --build-arg BASE_IMAGE="$base" --label "$label=$hash" --tag "$image" . > /dev/null
