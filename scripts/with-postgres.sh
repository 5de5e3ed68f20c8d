#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster: installs Debian's postgresql when its server binaries are
# missing, starts a cluster on a free loopback port (its socket in a temp dir; initdb refuses root, so it runs as
# the postgres user), exports UNDB_TEST_POSTGRES for the command, and always stops and removes the cluster,
# also when the command fails. Exits with the command's status.
#   scripts/with-postgres.sh dotnet test App.Tests --filter Engines=Both
# Durability is off by default (fsync, synchronous_commit), which tests do not need. UNDB_PG_DURABLE=1 keeps the
# server's defaults (an fsync per commit); UNDB_PG_DURABLE=async keeps fsync but not the wait for it at each commit
# (synchronous_commit=off: a crash of the machine may lose the last moments, never consistency), which is what SQLite's
# synchronous=NORMAL in WAL mode gives the app, so the fair setting for benchmarks side by side.
# UNDB_PG_OPTIONS adds server settings, e.g. "-c shared_preload_libraries=pg_stat_statements" to count statements.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 <command> [args…]" >&2
  exit 2
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with-postgres: installing Debian's postgresql"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

dir=$(mktemp -d /tmp/undb-pg.XXXXXX)
chmod 755 "$dir"
as_root chown postgres "$dir"
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

cleanup() {
  run_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  as_root rm -rf "$dir"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
run_pg "$bin/initdb" -D "$dir/data" --auth=trust -U postgres --encoding=UTF8 --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }

durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
case "${UNDB_PG_DURABLE:-0}" in
  1) durability="" ;;
  async) durability="-c synchronous_commit=off" ;;
esac
run_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=1000 $durability ${UNDB_PG_OPTIONS:-}" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

export UNDB_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
set +e
"$@"
status=$?
set -e
exit $status
