# shellcheck shell=bash
# Sourced by .ci/run (with set -euo pipefail): make sure a PostgreSQL server
# runs on this machine, create the test role and database, and export
#   THANHTOAN_TEST_POSTGRES     connection URL the PostgreSQL tests read
#   THANHTOAN_REQUIRE_POSTGRES  =1: those tests fail instead of skipping
# If THANHTOAN_TEST_POSTGRES is already set, that server is used as is.
# Works on a fresh Debian/Ubuntu machine (installs postgresql with apt-get,
# as root) and on one where PostgreSQL is installed but stopped.

thanhtoan_setup_postgres() {
  local user=thanhtoan pass=thanhtoan db=thanhtoan_test want_conns=300
  if [ -n "${THANHTOAN_TEST_POSTGRES:-}" ]; then
    echo "setup-postgres: using THANHTOAN_TEST_POSTGRES from the environment"
    return 0
  fi
  local runas=()
  if [ "$(id -u)" = 0 ]; then
    runas=(runuser -u postgres --)
  elif [ "$(id -un)" != postgres ]; then
    runas=(sudo -u postgres --)
  fi

  # The newest installed server version, installing PostgreSQL if none.
  local ver=""
  thanhtoan_pg_version() {
    # (find fails when nothing is installed: not an error under pipefail)
    ver=$({ find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null || true; } |
      awk -F/ '{print $5}' | sort -n | tail -n 1)
  }
  thanhtoan_pg_version
  if [ -z "$ver" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "setup-postgres: installing postgresql with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    thanhtoan_pg_version
  fi
  if [ -z "$ver" ]; then
    echo "setup-postgres: no PostgreSQL server binaries under /usr/lib/postgresql" >&2
    return 1
  fi

  # A cluster of that version: create one if there is none, start it.
  local cluster port status
  read -r cluster port status < <(pg_lsclusters -h 2>/dev/null | awk -v v="$ver" '$1 == v {print $2, $3, $4; exit}') || true
  if [ -z "${cluster:-}" ]; then
    echo "setup-postgres: creating cluster $ver/main"
    pg_createcluster "$ver" main >/dev/null
    cluster=main
    read -r port status < <(pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $3, $4; exit}')
  fi
  if [ "$status" != online ]; then
    echo "setup-postgres: starting cluster $ver/$cluster on port $port"
    pg_ctlcluster "$ver" "$cluster" start
  fi
  local i
  for i in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    [ "$i" = 60 ] && { echo "setup-postgres: server not ready after 30s" >&2; return 1; }
    sleep 0.5
  done

  local psql=("${runas[@]}" psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres -tA)
  # Parallel tests open a few pools each: make room.
  local conns
  conns=$(cd / && "${psql[@]}" -c 'SHOW max_connections')
  if [ "$conns" -lt "$want_conns" ]; then
    echo "setup-postgres: raising max_connections from $conns to $want_conns (restart)"
    (cd / && "${psql[@]}" -c "ALTER SYSTEM SET max_connections = $want_conns")
    pg_ctlcluster "$ver" "$cluster" restart
    for i in $(seq 1 60); do
      pg_isready -q -h 127.0.0.1 -p "$port" && break
      [ "$i" = 60 ] && { echo "setup-postgres: server not ready after restart" >&2; return 1; }
      sleep 0.5
    done
  fi

  # Role and database, idempotently.
  (cd / && "${psql[@]}" <<SQL
SELECT 'CREATE ROLE $user LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user')
\gexec
ALTER ROLE $user WITH LOGIN CREATEDB PASSWORD '$pass';
SELECT 'CREATE DATABASE $db OWNER $user' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')
\gexec
SQL
  )
  export THANHTOAN_TEST_POSTGRES="postgres://$user:$pass@127.0.0.1:$port/$db?sslmode=disable"
  echo "setup-postgres: PostgreSQL $ver/$cluster ready on port $port, database $db"
}

thanhtoan_setup_postgres
unset -f thanhtoan_setup_postgres thanhtoan_pg_version
export THANHTOAN_REQUIRE_POSTGRES=1
