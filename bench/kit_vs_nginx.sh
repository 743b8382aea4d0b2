#!/usr/bin/env bash
# The kit's static JSON route (aaiti-demo GET /hello) against nginx serving the same bytes.
#
#   bench/kit_vs_nginx.sh [path/to/aaiti-demo]
#
# Environment: THREADS (server threads = nginx workers, default 2), DURATION (per wrk run, 10s),
# ROUNDS (per connection count, 3), CONNECTIONS ("100 1000"), KIT_ACCESS_LOG (0: --no-access-log,
# the default here, so the kit is not measured writing a log line per request; 1: log to /dev/null).
# Without an argument (or AAITI_DEMO) the release build is used, built first if missing.
# Only 127.0.0.1 is used. Rounds are interleaved (nginx, kit, nginx, kit, ...) so drift in machine
# load hits both alike; the summary uses each series' median, so one run disturbed by another
# process on the machine does not decide the result. Prints each run, then medians, ratios and targets:
#   kit/nginx req/s at 100 connections >= 0.85, kit p99 / nginx p99 at 1000 connections <= 1.5,
#   socket errors (and non-2xx responses) = 0.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name=kit_vs_nginx
. "$here/bench/lib.sh"
demo=${1:-${AAITI_DEMO:-$here/build/release/services/kit/aaiti-demo}}
threads=${THREADS:-2}
duration=${DURATION:-10s}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-"100 1000"}
access_log=${KIT_ACCESS_LOG:-0}

for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || { echo "kit_vs_nginx: $tool is not installed (scripts/install-deps.sh)" >&2; exit 69; }
done
if [ ! -x "$demo" ]; then
  echo "kit_vs_nginx: building $demo (cmake --preset release)" >&2
  (cd "$here" && cmake --preset release >/dev/null && cmake --build --preset release --target aaiti-demo)
fi

raise_fd_limit 4096
bench_init

# --- the kit ---
kit_port=$(free_port)
kit_flags=(--listen "127.0.0.1:$kit_port" --threads "$threads")
[ "$access_log" = 1 ] || kit_flags+=(--no-access-log)
"$demo" "${kit_flags[@]}" 2>"$work/kit.log" >/dev/null &
pids+=($!)
kit_url="http://127.0.0.1:$kit_port/hello"
wait_http "$kit_url"
curl -fsS "$kit_url" >"$work/hello.json"

# --- nginx, serving the exact bytes the kit returns ---
nginx_port=$(free_port)
if grep -q "'" "$work/hello.json"; then echo "kit_vs_nginx: body contains a quote nginx cannot return" >&2; exit 65; fi
mkdir -p "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $threads;
daemon off;
pid nginx.pid;
error_log stderr warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path tmp/body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port reuseport;
    location = /hello {
      default_type application/json;
      return 200 '$(cat "$work/hello.json")';
    }
  }
}
CONF
nginx -p "$work/nginx" -c nginx.conf 2>"$work/nginx.log" &
pids+=($!)
nginx_url="http://127.0.0.1:$nginx_port/hello"
wait_http "$nginx_url"
if ! cmp -s <(curl -fsS "$nginx_url") "$work/hello.json"; then
  echo "kit_vs_nginx: nginx and the kit return different bodies" >&2
  exit 1
fi

# --- measurements ---
# Prints "<req/s> <p99 ms> <socket errors + non-2xx>" for one wrk run.
measure() { wrk_measure "$1" "$2"; }

echo "kit_vs_nginx: aaiti-demo $demo vs nginx $(nginx -v 2>&1 | sed 's/.*\///'), $threads threads each, wrk -t2 -d$duration, $(nproc) cores"
echo "body: $(wc -c <"$work/hello.json") bytes; kit access log: $([ "$access_log" = 1 ] && echo on || echo off)"
# Warm both up (page faults, first accepts) before anything counts.
wrk -t2 -c100 -d2s "$nginx_url" >/dev/null
wrk -t2 -c100 -d2s "$kit_url" >/dev/null

declare -A all_rps all_p99 sum_err
printf '%-6s %6s %6s %12s %10s %7s\n' server conns round req/s p99_ms errors
for conns in $connections; do
  for round in $(seq 1 "$rounds"); do
    for server in nginx kit; do
      url=$nginx_url
      [ "$server" = kit ] && url=$kit_url
      read -r rps p99 err < <(measure "$url" "$conns")
      printf '%-6s %6s %6s %12s %10s %7s\n' "$server" "$conns" "$round" "$rps" "$p99" "$err"
      key="$server/$conns"
      all_rps[$key]="${all_rps[$key]:-} $rps"
      all_p99[$key]="${all_p99[$key]:-} $p99"
      sum_err[$key]=$(( ${sum_err[$key]:-0} + err ))
    done
  done
done

declare -A med_rps med_p99
echo
echo "medians over $rounds rounds:"
for conns in $connections; do
  for server in nginx kit; do
    key="$server/$conns"
    med_rps[$key]=$(median_of "${all_rps[$key]}")
    med_p99[$key]=$(median_of "${all_p99[$key]}")
    awk -v s="$server" -v c="$conns" -v r="${med_rps[$key]}" -v p="${med_p99[$key]}" -v e="${sum_err[$key]}" \
      'BEGIN { printf "  %-6s %5s conns: %10.0f req/s  p99 %8.3f ms  errors %d\n", s, c, r, p, e }'
  done
done

status=0
first=$(echo "$connections" | awk '{ print $1 }')
last=$(echo "$connections" | awk '{ print $NF }')
rps_ratio=$(awk -v k="${med_rps[kit/$first]}" -v n="${med_rps[nginx/$first]}" 'BEGIN { printf "%.3f", k / n }')
p99_ratio=$(awk -v k="${med_p99[kit/$last]}" -v n="${med_p99[nginx/$last]}" 'BEGIN { printf "%.3f", (n > 0) ? k / n : 0 }')
errors=0
for conns in $connections; do errors=$(( errors + ${sum_err[kit/$conns]} + ${sum_err[nginx/$conns]} )); done
echo
echo "ratios:"
v=$(verdict "$rps_ratio" 0.85 ">="); [ "$v" = PASS ] || status=1
echo "  kit/nginx req/s at $first conns:   $rps_ratio  (target >= 0.85) $v"
v=$(verdict "$p99_ratio" 1.5 "<="); [ "$v" = PASS ] || status=1
echo "  kit/nginx p99 at $last conns:      $p99_ratio  (target <= 1.5)  $v"
v=$(verdict "$errors" 0 "<="); [ "$v" = PASS ] || status=1
echo "  socket errors + non-2xx, all runs: $errors  (target 0)      $v"
exit $status
