#!/usr/bin/env bash
# Runs a command with the project's Node.js (24, see scripts/ensure-node.sh) first on PATH: npm scripts that call
# `node` directly go through here, so they never run on an older machine node.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
exec "$@"
