#!/usr/bin/env bash
# `npm start`: dependencies, services, a type-checked build, the database and its migrations, the demo data, then
# the API and the worker as child processes. Ctrl-C (SIGINT) or SIGTERM shuts both down gracefully; if either
# child dies, the other is stopped and this script exits with the dead child's status.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh

bash scripts/ensure-deps.sh
bash scripts/ensure-services.sh

echo "[start] type-checking and building"
if ! npx tsc -p tsconfig.build.json; then
  echo "[start] the build has type errors (above); fix them, then run npm start again" >&2
  exit 1
fi

echo "[start] building the admin console"
npx vite build --config apps/console/vite.config.ts --logLevel warn

echo "[start] database and migrations"
node dist/scripts/migrate.js
echo "[start] demo data"
node dist/scripts/seed.js

PORT="${PORT:-3000}"
export PORT
BASE="http://127.0.0.1:${PORT}"

# Job control puts each child in its own process group: a Ctrl-C in the terminal reaches only this script, which
# forwards one SIGINT to each child, instead of the children seeing it twice (the second would kill them mid-way).
set -m
node dist/apps/api/src/main.js &
API_PID=$!
node dist/apps/worker/src/main.js &
WORKER_PID=$!
set +m

stopping=0
shutdown() {
  local sig="$1"
  [ "$stopping" = 1 ] && return
  stopping=1
  echo "[start] ${sig}: stopping the API and the worker (in-flight requests and jobs finish first)"
  kill "-${sig}" "$API_PID" "$WORKER_PID" 2>/dev/null || true
}
trap 'shutdown INT' INT
trap 'shutdown TERM' TERM

# Wait (up to a minute) for the API to answer before printing where it is.
for _ in $(seq 1 120); do
  if ! kill -0 "$API_PID" 2>/dev/null; then break; fi
  if node -e "fetch('${BASE}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null; then
    cat <<EOF

  Mutual-aid fund and guarantee pool engine is running
    Console   ${BASE}/console   (log in with a demo login below)
    API       ${BASE}/api/v1
    Docs      ${BASE}/docs   (OpenAPI JSON: ${BASE}/docs-json)
    Health    ${BASE}/health
    Metrics   ${BASE}/metrics

  Demo logins (the console, or POST /api/v1/auth/login with {"username","password"}):
$(node dist/scripts/seed.js --credentials)

  Ctrl-C stops both the API and the worker.

EOF
    break
  fi
  sleep 0.5
done

# Whichever child ends first ends the run; the other is stopped gracefully.
status=0
wait -n "$API_PID" "$WORKER_PID" || status=$?
while [ "$stopping" = 0 ] && { kill -0 "$API_PID" 2>/dev/null && kill -0 "$WORKER_PID" 2>/dev/null; }; do
  # `wait -n` returns early when a trapped signal arrives; wait again for a child to really exit.
  wait -n "$API_PID" "$WORKER_PID" || status=$?
done
if [ "$stopping" = 0 ]; then
  echo "[start] a child process exited (status ${status}); stopping the other" >&2
  kill -TERM "$API_PID" "$WORKER_PID" 2>/dev/null || true
fi
wait "$API_PID" 2>/dev/null || true
wait "$WORKER_PID" 2>/dev/null || true
if [ "$stopping" = 1 ]; then exit 0; fi
exit "$status"
