#!/usr/bin/env bash
# Installs node dependencies when they are missing or older than the lock file.
set -euo pipefail
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] installing node dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
