#!/usr/bin/env bash
# Runs every test of the repository once: the unit and integration tests of all packages,
# then the browser tests against a freshly started dev portal, then the backend's production
# image. Jest's JSON reports go to test-results/{unit,e2e,image}.json and the last line says
# "N passed, N failed".
# Arguments go to the first phase's Jest (e.g. a path filter); then the browser phase is skipped.
# Expects Node 22/24 and installed dependencies: `./dev test` sees to both.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
rm -rf test-results
mkdir -p test-results

# The store tests use the PostgreSQL server that runs on this machine (and in CI).
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-postgresql://postgres@127.0.0.1:5432}"

# Without CI the Backstage CLI would start Jest in watch mode.
export CI="${CI:-true}"

status=0
# each runner that runs must leave its report: a missing one fails the summary, naming the runner
reports=(test-results/unit.json)
yarn backstage-cli repo test --json --outputFile=test-results/unit.json "$@" || status=1

if [ $# -eq 0 ]; then
  reports+=(test-results/e2e.json)
  (cd packages/e2e-tests && yarn test:e2e --json --outputFile=../../test-results/e2e.json) || status=1
fi

if [ $# -eq 0 ]; then
  # the backend's production image: built, run against PostgreSQL, a database made through it
  reports+=(test-results/image.json)
  (cd packages/e2e-tests && yarn test:image --json --outputFile=../../test-results/image.json) || status=1
fi

if [ $# -eq 0 ]; then
  # the fault suite (issue #15): one figure line per fault class, exit 1 on any violation
  node --require @backstage/cli/config/nodeTransform.cjs plugins/dbaas-backend/bench/faultSuite.ts || status=1
fi

node scripts/summarize-tests.js "${reports[@]}" || status=1
exit "$status"
