#!/usr/bin/env bash
# Starts a PostgreSQL cluster of the tests' own: its data in a temporary directory, on a
# free loopback port, trusting loopback connections, stopped and removed when the shell
# that sourced this exits. Exports RESTPHONE_TEST_POSTGRES, the URL of its `postgres`
# superuser, which the server system tests and the multi-instance test create their
# databases under. Needs the Debian package postgresql; initdb refuses to run as root,
# so as root the cluster runs as the postgres user.
# fsync is off: a test cluster that dies with the machine is thrown away anyway.
# RESTPHONE_POSTGRES_SETTINGS replaces that (scripts/bench-cluster measures with fsync on).

start_test_postgres() {
    local bin dir port
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$bin" ]; then
        echo "postgres.sh: PostgreSQL is missing: install the Debian package postgresql" >&2
        return 1
    fi
    local as_postgres=()
    [ "$(id -u)" -ne 0 ] || as_postgres=(runuser -u postgres --)
    dir=$(mktemp -d /tmp/restphone-postgres.XXXXXX)
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    "${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" || { cat "$dir/initdb.log" >&2; return 1; }
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 ${RESTPHONE_POSTGRES_SETTINGS:--c fsync=off}" start >/dev/null \
        || { cat "$dir/server.log" >&2; return 1; }
    export RESTPHONE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port"
    RESTPHONE_TEST_POSTGRES_STOP="${as_postgres[*]} $bin/pg_ctl -D $dir/data -m immediate stop >/dev/null; rm -rf $dir"
    trap 'eval "$RESTPHONE_TEST_POSTGRES_STOP"' EXIT
}

start_test_postgres || return 1 2>/dev/null || exit 1
