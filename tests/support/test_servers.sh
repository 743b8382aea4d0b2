#!/usr/bin/env bash
# Throwaway PostgreSQL 15 (a primary and its streaming replica) + Redis for one ctest run (the
# `aaiti_servers` CTest fixture).
#
#   test_servers.sh start <env-file>   start all three on free 127.0.0.1 ports, write <env-file>, leave a watchdog
#   test_servers.sh stop  <env-file>   stop them, remove their directory and <env-file> (idempotent)
#
# The servers live in a fresh /tmp/aaiti-test-servers.XXXXXX (short path: PostgreSQL's unix socket path is
# limited to 107 bytes, and an unprivileged user must be able to reach it). <env-file> holds KEY=VALUE lines
# that tests/support/test_servers.cpp reads; it is also valid shell (`. <env-file>`).
#
# Cleanup happens three ways: the FIXTURES_CLEANUP test calls `stop`; a watchdog started by `start` calls
# it when the owning ctest process dies (ctest killed with SIGKILL never runs the cleanup test); and `start`
# first stops whatever a previous run left behind in the same <env-file>.
#
# Environment: AAITI_PG_BINDIR (default: pg_config --bindir, else /usr/lib/postgresql/15/bin),
# AAITI_PG_OS_USER (default aaiti-pgtest; only used as root, since PostgreSQL refuses to run as root),
# AAITI_TEST_SERVERS_OWNER_PID (the process whose death triggers cleanup; default: the nearest ctest ancestor,
# else the caller).
set -euo pipefail

readonly self="$(readlink -f "${BASH_SOURCE[0]}")"
readonly pg_os_user_default="aaiti-pgtest"
pg_os_user=""
g_starting_dir=""

die() {
    echo "test_servers.sh: error: $*" >&2
    exit 1
}

log() {
    echo "test_servers.sh: $*" >&2
}

pg_bindir() {
    if [[ -n "${AAITI_PG_BINDIR:-}" ]]; then
        echo "$AAITI_PG_BINDIR"
    elif [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
        echo /usr/lib/postgresql/15/bin
    elif command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then
        pg_config --bindir
    else
        die "PostgreSQL 15 server binaries not found (looked in /usr/lib/postgresql/15/bin and pg_config --bindir); run scripts/install-deps.sh or set AAITI_PG_BINDIR"
    fi
}

# A port nobody listens on right now. The kernel picks it (bind to port 0), so two concurrent runs do not
# collide on a guessed number; the small window until the server binds is covered by retrying the start.
free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Field 22 of /proc/<pid>/stat (start time in clock ticks): with the pid it identifies a process even after
# the pid has been reused. The command name (field 2) may contain spaces, so cut after the last ')'.
proc_start_time() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    # after ") " the fields start at field 3 (state); start time is field 22, i.e. the 20th here
    set -- $stat
    echo "${20}"
}

# True while <pid> runs. A zombie counts as gone: daemons (redis, the postmaster) are reparented to pid 1,
# which in a container may reap late, and kill -0 succeeds on a zombie.
alive() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [[ "${stat:0:1}" != "Z" ]]
}

# The process whose exit means "this test run is over": the nearest ctest ancestor. ctest usually is our
# direct parent, but a wrapper (bash -c, a launcher) may sit in between; fall back to the direct parent.
owner_pid() {
    if [[ -n "${AAITI_TEST_SERVERS_OWNER_PID:-}" ]]; then
        echo "$AAITI_TEST_SERVERS_OWNER_PID"
        return
    fi
    local pid=$PPID comm
    while [[ "$pid" -gt 1 ]]; do
        comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
        if [[ "$comm" == ctest* ]]; then
            echo "$pid"
            return
        fi
        pid="$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 1)"
    done
    echo "$PPID"
}

# Runs a command as the PostgreSQL OS user (root) or as ourselves (anyone else).
as_pg_user() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u "$pg_os_user" -- "$@"
    else
        "$@"
    fi
}

ensure_pg_os_user() {
    if [[ "$(id -u)" -ne 0 ]]; then
        pg_os_user="$(id -un)"
        return
    fi
    pg_os_user="${AAITI_PG_OS_USER:-$pg_os_user_default}"
    if ! id -u "$pg_os_user" >/dev/null 2>&1; then
        # A concurrent run may create it between the check and useradd: accept "already exists".
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$pg_os_user" 2>/dev/null \
            || id -u "$pg_os_user" >/dev/null 2>&1 \
            || die "cannot create the system user '$pg_os_user' that runs PostgreSQL (initdb refuses root)"
    fi
}

# Reads KEY from an env file written by `start` (empty when absent).
env_value() {
    local file="$1" key="$2"
    [[ -f "$file" ]] || return 0
    sed -n "s/^${key}=//p" "$file" | head -n 1
}

# Stops everything recorded under <dir> and removes it. Safe to call twice, concurrently, or on a half-started
# directory: every step tolerates what is already gone.
stop_dir() {
    local dir="$1"
    [[ -n "$dir" && -d "$dir" ]] || return 0
    case "$dir" in
        /tmp/aaiti-test-servers.*) ;;
        *) die "refusing to remove '$dir': not a test-servers directory" ;;
    esac
    local pid pidfile
    # The replica first: stopped before its primary, it does not log a burst of reconnection attempts.
    for pidfile in "$dir/replica/data/postmaster.pid" "$dir/pg/data/postmaster.pid"; do
        [[ -f "$pidfile" ]] || continue
        pid="$(head -n 1 "$pidfile" 2>/dev/null || true)"
        if [[ -n "$pid" ]] && alive "$pid"; then
            # immediate: the data is thrown away, no need for a checkpoint. SIGQUIT is the same thing
            # without pg_ctl (works whoever we are, as root or as the owner).
            kill -QUIT "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do
                alive "$pid" || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    if [[ -f "$dir/redis.pid" ]]; then
        pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
        if [[ -n "$pid" ]] && alive "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do
                alive "$pid" || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf -- "$dir"
}

cmd_stop() {
    local env_file="$1" dir watchdog
    dir="$(env_value "$env_file" AAITI_TEST_DIR)"
    watchdog="$(env_value "$env_file" AAITI_TEST_WATCHDOG_PID)"
    rm -f -- "$env_file"
    stop_dir "$dir"
    # The watchdog exits by itself once the directory is gone; killing it just saves it a poll.
    if [[ -n "$watchdog" && "$watchdog" != "$$" ]]; then
        kill "$watchdog" 2>/dev/null || true
    fi
    return 0
}

# Background loop: waits for the owner (identified by pid + start time) to exit, then stops the servers.
# Ends early when the directory disappears (the cleanup test ran).
cmd_watch() {
    local dir="$1" env_file="$2" pid="$3" start="$4" now
    while [[ -d "$dir" ]]; do
        now="$(proc_start_time "$pid" || true)"
        if [[ "$now" != "$start" ]] || ! alive "$pid"; then
            # The env file may already belong to a newer run: only remove it if it still points at our dir.
            if [[ "$(env_value "$env_file" AAITI_TEST_DIR)" == "$dir" ]]; then
                rm -f -- "$env_file"
            fi
            stop_dir "$dir"
            return 0
        fi
        sleep 0.5
    done
}

# Starts the cluster in <cluster>/data on a free 127.0.0.1 port and prints the port: its log is
# <cluster>/postgres.log, its unix socket goes to <cluster>, pg_ctl's own output to <ctl-log>. <what> names
# the server in messages; the remaining arguments are its -c settings. A port taken between free_port and
# bind is retried on another one (three attempts); any other failure prints pg_ctl's output and the log's
# last lines, and dies.
pg_ctl_start() {
    local bindir="$1" cluster="$2" ctl_log="$3" what="$4" port attempt
    shift 4
    for attempt in 1 2 3; do
        port="$(free_port)"
        # -k: the unix socket goes to our directory, not /var/run/postgresql (may not exist or be shared).
        if as_pg_user "$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/postgres.log" -w -t 60 \
            -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 $*" \
            start >"$ctl_log" 2>&1; then
            echo "$port"
            return 0
        fi
        # A port taken between free_port and bind gives "could not bind": retry on another one.
        if ! grep -q "could not bind\|Address already in use" "$cluster/postgres.log" 2>/dev/null; then
            break
        fi
        log "$what: port $port was taken meanwhile (attempt $attempt), retrying on another port"
    done
    {
        echo "--- pg_ctl output ($what) ---"
        cat "$ctl_log" 2>/dev/null || true
        echo "--- last lines of $cluster/postgres.log ---"
        tail -n 30 "$cluster/postgres.log" 2>/dev/null || true
    } >&2
    die "$what did not start (output above)"
}

start_postgres() {
    local dir="$1" bindir="$2"
    mkdir -p "$dir/pg"
    chown "$pg_os_user" "$dir/pg"
    chmod 700 "$dir/pg"
    if ! as_pg_user "$bindir/initdb" -D "$dir/pg/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1; then
        tail -n 30 "$dir/initdb.log" >&2 || true
        die "initdb failed (log above, from $dir/initdb.log)"
    fi
    pg_ctl_start "$bindir" "$dir/pg" "$dir/pg_ctl.log" "PostgreSQL" \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB
}

# A hot-standby streaming replica of the primary on its own free port, same OS user: pg_basebackup -R
# writes standby.signal and primary_conninfo (initdb's trust rules already allow replication from
# 127.0.0.1). -c fast: no wait for a scheduled checkpoint; --no-sync: the data is thrown away anyway.
# -C -S: a physical replication slot, which -R names in primary_slot_name. Without it the primary keeps
# WAL only back to its last checkpoint, and every TestDatabase (CREATE DATABASE ... FILE_COPY) forces two
# checkpoints: a replica a moment behind at a segment boundary then asks for a segment already removed
# and never catches up again (CI: a new database never reached the replica, "requested WAL segment ...
# has already been removed" in the logs).
start_replica() {
    local dir="$1" bindir="$2" primary_port="$3"
    mkdir -p "$dir/replica"
    chown "$pg_os_user" "$dir/replica"
    chmod 700 "$dir/replica"
    if ! as_pg_user "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/replica/data" \
        -R -X stream -C -S aaiti_test_replica -c fast --no-sync >"$dir/basebackup.log" 2>&1; then
        tail -n 30 "$dir/basebackup.log" >&2 || true
        die "pg_basebackup of the primary failed (log above, from $dir/basebackup.log)"
    fi
    pg_ctl_start "$bindir" "$dir/replica" "$dir/replica_ctl.log" "the PostgreSQL replica" \
        -c hot_standby=on -c fsync=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB
}

start_redis() {
    local dir="$1" port attempt
    command -v redis-server >/dev/null || die "redis-server not found; run scripts/install-deps.sh"
    for attempt in 1 2 3; do
        port="$(free_port)"
        rm -f "$dir/redis.pid"
        # Everything in memory, nothing persisted; stdio to /dev/null so no fd of ctest's pipes survives.
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
            --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" </dev/null >/dev/null 2>&1 || true
        for _ in $(seq 1 100); do
            if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
                echo "$port"
                return 0
            fi
            # daemonized: the pidfile appears after the fork; if the process is gone, the start failed
            if [[ -f "$dir/redis.pid" ]] && ! alive "$(cat "$dir/redis.pid")"; then
                break
            fi
            sleep 0.05
        done
        if ! grep -q "Address already in use" "$dir/redis.log" 2>/dev/null; then
            break
        fi
        log "Redis port $port was taken meanwhile (attempt $attempt), retrying on another port"
    done
    echo "--- last lines of $dir/redis.log ---" >&2
    tail -n 30 "$dir/redis.log" >&2 2>/dev/null || true
    die "Redis did not start (log above)"
}

cmd_start() {
    local env_file="$1"
    mkdir -p "$(dirname "$env_file")"
    env_file="$(cd "$(dirname "$env_file")" && pwd)/$(basename "$env_file")"

    # A previous run killed before its cleanup (and before its watchdog acted) may have left servers.
    cmd_stop "$env_file"

    local bindir
    bindir="$(pg_bindir)"
    [[ -x "$bindir/initdb" && -x "$bindir/pg_ctl" ]] || die "no initdb/pg_ctl in $bindir"
    [[ -x /usr/bin/python3 ]] || die "/usr/bin/python3 is needed to pick free ports"
    ensure_pg_os_user

    local dir
    dir="$(mktemp -d /tmp/aaiti-test-servers.XXXXXX)"
    chmod 755 "$dir"  # the PostgreSQL user must traverse it to reach its own subdirectory

    # The watchdog goes first, so that a kill during initdb still cleans up. setsid: its own session, so
    # a signal to ctest's process group (timeout, Ctrl-C) does not take it down; all fds redirected, so it
    # does not hold ctest's output pipes open (ctest waits for EOF on them and would hang).
    local owner owner_start
    owner="$(owner_pid)"
    owner_start="$(proc_start_time "$owner")" || die "cannot read /proc/$owner/stat of the owning process"
    setsid -f bash "$self" watch "$dir" "$env_file" "$owner" "$owner_start" </dev/null >/dev/null 2>&1
    # setsid -f does not tell us the pid; the loop is identifiable by its arguments.
    local watchdog=""
    for _ in $(seq 1 20); do
        watchdog="$(pgrep -f -x "bash $self watch $dir .*" | head -n 1 || true)"
        [[ -n "$watchdog" ]] && break
        sleep 0.05
    done

    # Until the env file exists only the watchdog knows about $dir: on a failure below, clean up here.
    # (A global, not a local: the EXIT trap may run after this function's scope is gone.)
    g_starting_dir="$dir"
    trap 'stop_dir "$g_starting_dir"' EXIT

    local pg_port replica_port redis_port
    pg_port="$(start_postgres "$dir" "$bindir")"
    replica_port="$(start_replica "$dir" "$bindir" "$pg_port")"
    redis_port="$(start_redis "$dir")"

    local tmp="$env_file.tmp.$$"
    cat >"$tmp" <<EOF
AAITI_TEST_DIR=$dir
AAITI_TEST_PG_HOST=127.0.0.1
AAITI_TEST_PG_PORT=$pg_port
AAITI_TEST_PG_USER=postgres
AAITI_TEST_PG_URL=postgresql://postgres@127.0.0.1:$pg_port/postgres
AAITI_TEST_PG_SOCKET_DIR=$dir/pg
AAITI_TEST_PG_BINDIR=$bindir
AAITI_TEST_PG_OS_USER=$pg_os_user
AAITI_TEST_PG_LOG=$dir/pg/postgres.log
AAITI_TEST_PG_REPLICA_HOST=127.0.0.1
AAITI_TEST_PG_REPLICA_PORT=$replica_port
AAITI_TEST_PG_REPLICA_URL=postgresql://postgres@127.0.0.1:$replica_port/postgres
AAITI_TEST_PG_REPLICA_SOCKET_DIR=$dir/replica
AAITI_TEST_PG_REPLICA_LOG=$dir/replica/postgres.log
AAITI_TEST_REDIS_HOST=127.0.0.1
AAITI_TEST_REDIS_PORT=$redis_port
AAITI_TEST_REDIS_URL=redis://127.0.0.1:$redis_port
AAITI_TEST_WATCHDOG_PID=$watchdog
AAITI_TEST_OWNER_PID=$owner
EOF
    mv -f "$tmp" "$env_file"
    trap - EXIT
    log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (replica on 127.0.0.1:$replica_port), Redis on 127.0.0.1:$redis_port, dir $dir, cleanup when pid $owner exits (watchdog ${watchdog:-?})"
    log "env file: $env_file"
}

main() {
    local cmd="${1:-}"
    case "$cmd" in
        start)
            [[ $# -eq 2 ]] || die "usage: $0 start <env-file>"
            cmd_start "$2"
            ;;
        stop)
            [[ $# -eq 2 ]] || die "usage: $0 stop <env-file>"
            cmd_stop "$2"
            ;;
        watch)
            [[ $# -eq 5 ]] || die "usage: $0 watch <dir> <env-file> <pid> <start-time> (internal)"
            cmd_watch "$2" "$3" "$4" "$5"
            ;;
        *)
            die "usage: $0 start|stop <env-file>"
            ;;
    esac
}

main "$@"
