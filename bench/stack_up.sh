#!/usr/bin/env bash
# `aaitictl up --detach` to every process healthy, and `aaitictl down` to no process left, natively:
# the production profile (PostgreSQL primary + streaming replica, Redis, two auth instances, the gateway,
# HAProxy, Prometheus, Alertmanager) and the embedded default (gateway + auth on SQLite).
#
#   bench/stack_up.sh [path/to/aaitictl]
#
# Environment: ROUNDS (warm rounds, default 3). Without an argument (or AAITICTL) the release preset's
# build/release/cli/aaitictl is used, built if missing. The first production round is cold (initdb and
# pg_basebackup included); the others reuse the state directory, as a second `up` does.
# There is no peer to run beside it here: Docker (docker compose up --wait) needs an engine, which our
# machines do not have. The targets are the issue's: production healthy < 30 s, embedded < 2 s (exit 1 if
# missed); `down` must leave no process (aaitictl down checks that itself and exits 1 otherwise).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name=stack_up
. "$here/bench/lib.sh"
aaitictl=${1:-${AAITICTL:-$here/build/release/cli/aaitictl}}
rounds=${ROUNDS:-3}

if [ ! -x "$aaitictl" ]; then
  echo "stack_up: building $aaitictl (cmake --preset release)" >&2
  (cd "$here" && cmake --preset release >/dev/null && cmake --build --preset release >/dev/null)
fi

bench_init
chmod 755 "$work"  # PostgreSQL runs as the unprivileged "postgres" user and must reach its data
# Ten different free ports (the kernel may hand out one twice), none another's + 100 (auth-2's port).
ports=()
while [ ${#ports[@]} -lt 10 ]; do
  p=$(free_port)
  case " ${ports[*]} " in *" $p "*|*" $((p + 100)) "*|*" $((p - 100)) "*) continue ;; esac
  ports+=("$p")
done
cat > "$work/aaiti.yaml" <<YAML
services:
  gateway: {port: ${ports[0]}}
  auth: {port: ${ports[1]}, replicas: 2}
database: {port: ${ports[2]}, replica: {port: ${ports[3]}}}
redis: {port: ${ports[4]}}
load_balancer: {http_port: ${ports[5]}, stats_port: ${ports[6]}}
monitoring:
  prometheus: {port: ${ports[7]}}
  alertmanager: {port: ${ports[8]}}
  supervisor: {port: ${ports[9]}}
YAML
ctl() { "$aaitictl" --config "$work/aaiti.yaml" "$@"; }
bench_stop() { ctl down >/dev/null 2>&1 || true; }
trap 'bench_stop; bench_cleanup' EXIT

now_ms() { date +%s%3N; }
# timed <label> <command...>: runs it, prints and returns (in $ms) its wall time in milliseconds.
timed() {
  local label=$1 start
  shift
  start=$(now_ms)
  "$@" >/dev/null 2>"$work/last.err" || { echo "stack_up: $label failed:" >&2; cat "$work/last.err" >&2; exit 1; }
  ms=$(( $(now_ms) - start ))
  printf '  %-34s %6d ms\n' "$label" "$ms"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

echo "== production profile (9 processes)"
timed "up --profile production (cold)" ctl up --profile production --detach; cold=$ms
timed "down" ctl down; downs=("$ms")
warm=()
for i in $(seq 1 "$rounds"); do
  timed "up --profile production (warm $i)" ctl up --profile production --detach; warm+=("$ms")
  timed "down" ctl down; downs+=("$ms")
done

echo "== embedded default (gateway + auth on SQLite)"
embedded=()
embedded_downs=()
for i in $(seq 1 "$rounds"); do
  timed "up (embedded $i)" ctl up --detach; embedded+=("$ms")
  timed "down" ctl down; embedded_downs+=("$ms")
done

prod_warm=$(median "${warm[@]}")
prod_down=$(median "${downs[@]}")
emb=$(median "${embedded[@]}")
emb_down=$(median "${embedded_downs[@]}")
echo
echo "production: cold ${cold} ms, warm median ${prod_warm} ms to every process healthy; down median ${prod_down} ms"
echo "embedded:   median ${emb} ms to healthy; down median ${emb_down} ms"
status=0
[ "$cold" -lt 30000 ] && [ "$prod_warm" -lt 30000 ] && echo "PASS production healthy < 30 s" || { echo "FAIL production healthy < 30 s"; status=1; }
[ "$emb" -lt 2000 ] && echo "PASS embedded healthy < 2 s" || { echo "FAIL embedded healthy < 2 s"; status=1; }
exit $status
