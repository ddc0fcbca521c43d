#!/usr/bin/env bash
# The PostgreSQL store's benchmark (release build): starts a primary and a synchronous standby on
# loopback (initdb/pg_ctl, as the `postgres` user when run as root), then measures signed appends
# through `serve --store` against the segment files, a new writer taking over a large ledger, and
# a failover (kill -9 of the primary, promotion of the standby). See Sources/flowledger-bench/PostgresBench.swift.
#   scripts/bench-postgres.sh            full run (1,000,000-entry takeover: several minutes)
#   scripts/bench-postgres.sh --quick    smaller sizes, a smoke run
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build -c release --product flowledger
swift build -c release --product flowledger-bench

bin="/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin"
work="$(mktemp -d /tmp/flowledger-bench-pg.XXXXXX)"
as_pg=()
extra=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$work"
  as_pg=(/usr/sbin/runuser -u postgres --)
  extra=(--as-postgres)
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p1="$(free_port)"; p2="$(free_port)"
cleanup() {
  for d in "$work/primary" "$work/standby"; do "${as_pg[@]}" "$bin/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"${as_pg[@]}" "$bin/initdb" -D "$work/primary" -A trust -U flowadmin -E UTF8 --locale=C >/dev/null
cat >> "$work/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $p1
unix_socket_directories = '$work'
shared_buffers = 256MB
max_connections = 200
wal_level = replica
synchronous_commit = on
CONF
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/primary" -l "$work/primary.log" -w start >/dev/null
psql -h 127.0.0.1 -p "$p1" -U flowadmin -d postgres -qAt -c "CREATE DATABASE bench" -c "CREATE DATABASE takeover"
"${as_pg[@]}" "$bin/pg_basebackup" -h 127.0.0.1 -p "$p1" -U flowadmin -D "$work/standby" -R -X stream -c fast
echo "port = $p2" >> "$work/standby/postgresql.conf"
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/standby" -l "$work/standby.log" -w start >/dev/null
psql -h 127.0.0.1 -p "$p1" -U flowadmin -d postgres -qAt -c "ALTER SYSTEM SET synchronous_standby_names = '*'" -c "SELECT pg_reload_conf()" >/dev/null

.build/release/flowledger-bench postgres \
  --primary "postgres://flowadmin@127.0.0.1:$p1/bench" --standby "postgres://flowadmin@127.0.0.1:$p2/bench" \
  --takeover-database "postgres://flowadmin@127.0.0.1:$p1/takeover" \
  --standby-data "$work/standby" --pg-bin "$bin" "${extra[@]}" "$@"
