#!/usr/bin/env bash
# The one test command: services, type-checked build, a fresh migrated template database, then every test file
# (unit, integration, e2e) with Vitest in two worker processes, each file on its own database clone. Ends with
# "N passed, N failed" and a non-zero exit when anything failed. Arguments go to `vitest run` (file filters,
# -t "name"). Why Vitest and where the time goes: docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
bash scripts/ensure-deps.sh
bash scripts/ensure-services.sh
bash scripts/ensure-browser.sh
echo "[test] type-checking and building"
npx tsc -p tsconfig.build.json
# the admin console, served by the API in the browser tests (test/console); a few seconds
npx vite build --config apps/console/vite.config.ts --logLevel warn
node dist/scripts/prepare-test-db.js
exec npx vitest run "$@"
