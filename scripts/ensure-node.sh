#!/usr/bin/env bash
# Sourced by every project script: puts Node.js 24 (the LTS line the engine runs on, see .nvmrc) first on PATH.
# A machine whose own node is older (Debian ships 18; some images 20) gets the exact version from .nvmrc, taken
# from the npm registry's `node` package into .node/ inside the project, so nothing else needs installing.
# Usage: source scripts/ensure-node.sh
_mae_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_mae_want="$(tr -d ' \nv' < "$_mae_root/.nvmrc")"
_mae_major="${_mae_want%%.*}"
_mae_local="$_mae_root/.node/node_modules/node/bin"

_mae_major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$_mae_local/node" ] && [ "$("$_mae_local/node" -p process.versions.node 2>/dev/null)" = "$_mae_want" ]; then
  export PATH="$_mae_local:$PATH"
elif command -v node >/dev/null 2>&1 && [ "$(_mae_major_of node)" -ge "$_mae_major" ]; then
  : # the machine's own node is new enough
else
  if ! command -v npm >/dev/null 2>&1; then
    echo "[node] npm is needed to fetch Node.js $_mae_want (apt-get install -y nodejs npm, or install Node $_mae_major)" >&2
    return 1 2>/dev/null || exit 1
  fi
  echo "[node] this machine has node $(node -v 2>/dev/null || echo none); fetching Node.js $_mae_want into .node/ (once)"
  mkdir -p "$_mae_root/.node"
  [ -f "$_mae_root/.node/package.json" ] || echo '{"private":true}' > "$_mae_root/.node/package.json"
  if ! npm install --prefix "$_mae_root/.node" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "node@$_mae_want" >/dev/null; then
    echo "[node] could not fetch node@$_mae_want from the npm registry" >&2
    return 1 2>/dev/null || exit 1
  fi
  export PATH="$_mae_local:$PATH"
fi
unset _mae_root _mae_want _mae_major _mae_local
unset -f _mae_major_of
