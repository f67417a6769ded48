#!/usr/bin/env bash
# Builds the backend's production image with Backstage's host build (packages/backend/Dockerfile):
# the app's production bundle and the backend bundle built here, the production dependencies
# installed into a staging folder with the committed Yarn (from Yarn's cache when it has them),
# the templates and app-config files beside them, and this Node binary.
#
#   scripts/build-backend-image.sh [tag]      (default: dbaas/backstage-backend:latest)
#
# It sets up Node 22/24 and the dependencies as ./dev does. The image runs `node packages/backend`
# with app-config.yaml and app-config.production.yaml; see deploy/backstage/ and docs/production.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
ensure_node
ensure_deps

tag="${1:-dbaas/backstage-backend:latest}"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

echo "build-backend-image: the app and the backend bundle"
# NODE_ENV picks the app's browserslist entry (a test runner's `test` matches none)
NODE_ENV=production yarn workspace app build > "$stage/build.log" 2>&1 || { cat "$stage/build.log"; exit 1; }
NODE_ENV=production yarn workspace backend build >> "$stage/build.log" 2>&1 || { cat "$stage/build.log"; exit 1; }

echo "build-backend-image: production dependencies"
mkdir -p "$stage/deps" "$stage/app" "$stage/node/bin"
cp -r .yarn .yarnrc.yml backstage.json yarn.lock package.json "$stage/deps/"
rm -rf "$stage/deps/.yarn/cache" "$stage/deps/.yarn/install-state.gz"
tar -xzf packages/backend/dist/skeleton.tar.gz -C "$stage/deps"
(cd "$stage/deps" && NODE_ENV=production yarn workspaces focus --all --production) \
  > "$stage/focus.log" 2>&1 || { cat "$stage/focus.log"; exit 1; }
rm -rf "$stage/deps/.yarn"

echo "build-backend-image: the bundle, config and templates"
tar -xzf packages/backend/dist/bundle.tar.gz -C "$stage/app"
cp app-config.yaml app-config.production.yaml "$stage/app/"
cp -r templates "$stage/app/"
cp "$(node -p process.execPath)" "$stage/node/bin/node"
cp packages/backend/Dockerfile "$stage/Dockerfile"

echo "build-backend-image: $tag"
images/build.sh --base-only
docker build --quiet --tag "$tag" "$stage" > /dev/null
echo "build-backend-image: built $tag"
