# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # globals shared with the sourcing script: bench_name, duration, PGURL, ...
# bench/lib.sh: the pieces the bench scripts share. Sourced, never run:
#
#   bench_name=kit_vs_nginx            # prefixes every message below
#   . "$here/bench/lib.sh"
#   bench_init                         # $work, $pids and the EXIT trap that cleans both up
#
# Only functions are defined here; nothing runs on source. Bash only (arrays); safe under `set -euo pipefail`.

# A scratch directory $work (removed on exit), the background processes to stop on exit (append with
# `pids+=($!)`), and the EXIT trap that stops them, stops a throwaway PostgreSQL (pg_start) and removes $work.
bench_init() {
  work=$(mktemp -d)
  pids=()
  pg_started=""
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pg_stop
  rm -rf "$work"
}

# A 127.0.0.1 port nobody listens on right now (the kernel picks it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_http <url> [curl args...]: until <url> answers 2xx, for up to $wait_http_tries x 0.1 s (default
# 100: 10 s); then names the URL, shows the last lines of $work/*.log and returns 1.
wait_http() {
  for _ in $(seq 1 "${wait_http_tries:-100}"); do curl -fsS -o /dev/null "${@:2}" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "$bench_name: nothing answers $1; logs:" >&2
  tail -n 5 "$work"/*.log >&2 || true
  return 1
}

# raise_fd_limit [<minimum>]: the open-file limit up to the hard limit (1000 connections need more
# descriptors than the usual 1024: wrk and the servers); with a minimum, exit 69 if it stays below it.
raise_fd_limit() {
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [ -n "${1:-}" ] && [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$1" ]; then
    echo "$bench_name: open-file limit $(ulimit -n) is too low for 1000 connections" >&2
    exit 69
  fi
}

# pg_start [-c name=value ...]: a throwaway PostgreSQL (server binaries from $pg_bin, which the caller
# sets) in $work/pg on a free 127.0.0.1 port, its unix socket there too, its log in $work/pg.log, run by
# the system user aaiti-bench (created if missing: PostgreSQL refuses to run as root). The arguments are
# extra server settings. Sets PGURL to its superuser URL; bench_cleanup stops it (pg_stop).
pg_start() {
  : "${pg_bin:?pg_start: set pg_bin to the PostgreSQL server binaries first}"
  pg_user=aaiti-bench
  id -u "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
  chown "$pg_user" "$work"; chmod 711 "$work"
  local port
  port=$(free_port)
  runuser -u "$pg_user" -- "$pg_bin/initdb" -D "$work/pg" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u "$pg_user" -- "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -t 30 \
    -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 $*" start >/dev/null
  pg_started=1
  PGURL="postgresql://postgres@127.0.0.1:$port/postgres"
}

# Stops what pg_start started, if anything (immediate: the data is thrown away). Safe to call twice.
pg_stop() {
  if [ -n "${pg_started:-}" ]; then
    runuser -u "$pg_user" -- "$pg_bin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
    pg_started=""
  fi
}

# wrk_measure <url> <connections> [wrk args...]: one `wrk -t2 --latency` run of $duration (its output
# appended to $work/wrk.log); prints "<req/s> <p99 ms> <socket errors + non-2xx>".
wrk_measure() {
  local url=$1 conns=$2 out
  out=$(wrk -t2 -c"$conns" -d"$duration" --latency "${@:3}" "$url")
  echo "$out" >>"$work/wrk.log"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps = $2 }
    $1 == "99%" { p99 = ms($2) }
    /Socket errors:/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { errors += $5 }
    END { printf "%.0f %.3f %d\n", rps, p99, errors }' <<<"$out"
}

# median_of "<n1> <n2> ...": the median of a space-separated list of numbers.
median_of() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# verdict <value> <target> ">="|"<=": PASS or MISS.
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? v >= t : v <= t; print ok ? "PASS" : "MISS" }'; }
