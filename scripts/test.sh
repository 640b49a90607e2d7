#!/usr/bin/env bash
# The whole test suite: build, type check, lint, then every test file with node's test runner.
# Real systems (OpenStack, PostgreSQL, PowerDNS, dnf, Puppet, cloud-init ...) come from the
# project's own lab (`aare lab up`), which installs and starts them when missing.
# AARE_TEST_NO_LAB=1 skips the lab for a quick loop; tests that need it are then skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob

node scripts/build.mjs
npx tsc -p tsconfig.json --noEmit
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

if [[ "${AARE_TEST_NO_LAB:-}" != 1 ]]; then
  node bin/aare.mjs lab up --for-tests
  eval "$(node bin/aare.mjs lab env)"
fi

files=(src/**/*.test.ts test/**/*.test.ts)
node --import tsx --test --test-concurrency="${AARE_TEST_CONCURRENCY:-2}" "${files[@]}"
