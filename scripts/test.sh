#!/usr/bin/env bash
# The one test command: services, type-checked build, a fresh migrated template database, then every test file
# (unit, integration, e2e) in parallel, each on its own database clone. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
bash scripts/ensure-deps.sh
bash scripts/ensure-services.sh
echo "[test] type-checking and building"
npx tsc -p tsconfig.build.json
node dist/scripts/prepare-test-db.js
NODE_OPTIONS="--experimental-vm-modules --no-warnings ${NODE_OPTIONS:-}" npx jest "$@"
