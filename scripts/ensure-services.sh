#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer. Order: DATABASE_URL/REDIS_URL if given; local services on 127.0.0.1;
# start installed Debian services; install them with apt-get when root; `docker compose up -d` where a Docker
# engine answers; otherwise stop and say exactly what to run.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mutual_aid}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

hostport() { # url default_port -> "host port"
  local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; rest="${rest%%\?*}"
  local host="${rest%%:*}" port="${rest##*:}"
  [ "$port" = "$rest" ] && port="$2"
  echo "${host:-127.0.0.1} $port"
}
reachable() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
wait_for() { for _ in $(seq 1 30); do reachable "$1" "$2" && return 0; sleep 1; done; return 1; }
say() { echo "[services] $*"; }

read -r PG_HOST PG_PORT <<<"$(hostport "$DATABASE_URL" 5432)"
read -r REDIS_HOST REDIS_PORT <<<"$(hostport "$REDIS_URL" 6379)"
is_local() { [[ "$1" == "127.0.0.1" || "$1" == "localhost" || "$1" == "::1" ]]; }

start_postgres() {
  if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql/*/main >/dev/null 2>&1; then
    local v; v=$(ls /etc/postgresql | sort -V | tail -1)
    say "starting PostgreSQL $v"
    pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || pg_ctlcluster "$v" main start || true
    wait_for "$PG_HOST" "$PG_PORT"
  else
    return 1
  fi
}

start_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    say "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/engine.log 2>/dev/null || redis-server --daemonize yes --port "$REDIS_PORT"
    wait_for "$REDIS_HOST" "$REDIS_PORT"
  else
    return 1
  fi
}

# A freshly installed Debian PostgreSQL asks for passwords over TCP; the development URL uses trust on loopback.
trust_loopback() {
  local v hba; v=$(ls /etc/postgresql | sort -V | tail -1); hba="/etc/postgresql/$v/main/pg_hba.conf"
  if ! grep -q "mutual-aid-engine" "$hba"; then
    say "allowing trust auth on loopback in $hba (development machine)"
    sed -i '1i # mutual-aid-engine: development trust on loopback\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$v" main reload 2>/dev/null || pg_ctlcluster "$v" main reload || true
  fi
}

apt_install() {
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    return 0
  fi
  return 1
}

docker_up() {
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    say "starting services with docker compose"
    docker compose up -d --wait
    return 0
  fi
  return 1
}

need_pg=0; need_redis=0
reachable "$PG_HOST" "$PG_PORT" || need_pg=1
reachable "$REDIS_HOST" "$REDIS_PORT" || need_redis=1

if [ $need_pg = 1 ] && is_local "$PG_HOST"; then
  if start_postgres; then need_pg=0
  elif apt_install postgresql && start_postgres; then trust_loopback; need_pg=0
  fi
fi
if [ $need_redis = 1 ] && is_local "$REDIS_HOST"; then
  if start_redis; then need_redis=0
  elif apt_install redis-server && start_redis; then need_redis=0
  fi
fi
if { [ $need_pg = 1 ] || [ $need_redis = 1 ]; } && docker_up; then
  wait_for "$PG_HOST" "$PG_PORT" && need_pg=0
  wait_for "$REDIS_HOST" "$REDIS_PORT" && need_redis=0
fi

if [ $need_pg = 1 ] || [ $need_redis = 1 ]; then
  echo "Cannot reach the services this engine needs:" >&2
  [ $need_pg = 1 ] && echo "  PostgreSQL at $PG_HOST:$PG_PORT (DATABASE_URL)" >&2
  [ $need_redis = 1 ] && echo "  Redis at $REDIS_HOST:$REDIS_PORT (REDIS_URL)" >&2
  cat >&2 <<'MSG'
Do one of these, then run the command again:
  - as root on Debian/Ubuntu:  apt-get install -y postgresql redis-server
  - with Docker:               docker compose up -d
  - or point DATABASE_URL / REDIS_URL at running servers.
MSG
  exit 1
fi
say "PostgreSQL $PG_HOST:$PG_PORT and Redis $REDIS_HOST:$REDIS_PORT are reachable"
