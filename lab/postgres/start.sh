#!/bin/bash
# PostgreSQL 15 on 127.0.0.1 for tests: own cluster under $AARE_LAB_STATE/postgres/data, own port
# (AARE_LAB_PG_PORT, default 15432), trust authentication (tests only: never expose it).
# Idempotent: initialises the cluster once, starts it unless running, waits until it accepts
# connections, creates the database aare_test. Runs as the postgres user when started as root.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init postgres
PORT="${AARE_LAB_PG_PORT:-15432}"
BIN=/usr/lib/postgresql/15/bin
need_cmd "$BIN/postgres" "$BIN/initdb" "$BIN/pg_isready"

# as root, run as postgres (setpriv execs: the pid file holds postgres's own pid)
AS_PG=()
[ "$(id -u)" = 0 ] && AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups)
as_pg() { "${AS_PG[@]}" "$@"; }
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$S/log" "$S/run"
  # the postgres user must reach its data dir, whatever the umask that made the state dir
  chmod a+x "$AARE_LAB_STATE" "$S"
fi

if [ ! -f "$S/data/PG_VERSION" ]; then
  rm -rf "$S/data"; mkdir -p "$S/data"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$S/data"; fi
  chmod 700 "$S/data"
  as_pg "$BIN/initdb" -D "$S/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 > "$S/log/setup-initdb.log" 2>&1 \
    || die_log setup-initdb "initdb failed"
  ts "cluster initialised"
fi
if ! running postgres && port_busy "$PORT"; then
  die "port $LAB_H:$PORT is taken by a process that is not this lab's postgres (set AARE_LAB_PG_PORT)"
fi
# fast, disposable: tests do not need durability
launch postgres "${AS_PG[@]}" "$BIN/postgres" -D "$S/data" -c "listen_addresses=$LAB_H" -p "$PORT" \
  -c "unix_socket_directories=$S/run" -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections=200 -c shared_buffers=128MB
for i in $(seq 1 120); do
  "$BIN/pg_isready" -q -h "$LAB_H" -p "$PORT" && break
  running postgres || die_log postgres "postgres died"
  sleep 0.25
done
"$BIN/pg_isready" -q -h "$LAB_H" -p "$PORT" || die_log postgres "postgres does not accept connections on $LAB_H:$PORT"
/usr/bin/psql -h "$LAB_H" -p "$PORT" -U postgres -d postgres -tAq -c "SELECT 1 FROM pg_database WHERE datname='aare_test'" | grep -q 1 \
  || /usr/bin/psql -h "$LAB_H" -p "$PORT" -U postgres -d postgres -q -c "CREATE DATABASE aare_test" > /dev/null
cat > "$S/env" <<EOT
AARE_LAB_POSTGRES=$LAB_H:$PORT
AARE_TEST_PG_URL=postgres://postgres@$LAB_H:$PORT/aare_test
EOT
echo "postgres=$LAB_H:$PORT" > "$S/endpoints"
ts "ready on $LAB_H:$PORT (database aare_test, user postgres, trust auth)"
