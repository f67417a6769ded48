#!/usr/bin/env bash
# Runs every test of the repository once and writes the runner's JSON report to
# test-results/jest.json. Extra arguments go to Jest (e.g. a path filter).
# Expects Node 22/24 and installed dependencies: `./dev test` sees to both.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
mkdir -p test-results

# Without CI the Backstage CLI would start Jest in watch mode.
export CI="${CI:-true}"

yarn backstage-cli repo test --json --outputFile=test-results/jest.json "$@"
