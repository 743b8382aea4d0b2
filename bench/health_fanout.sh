#!/usr/bin/env bash
# `aaitictl health --once` fanning out to 200 slow HTTP targets, against probing the same targets one by
# one with `curl` in a loop (what a shell health script does).
#
#   bench/health_fanout.sh [path/to/aaitictl]
#
# Environment: TARGETS (default 200), DELAY_MS (each target answers after this long, default 100), ROUNDS
# (default 3), SERVER_PROCS (processes serving the targets, default: the core count). Without an argument (or AAITICTL) the release preset's build/release/cli/aaitictl is used,
# built if missing.
# python3 asyncio servers (stdlib only) listen on TARGETS loopback ports and answers every GET after
# DELAY_MS. Each round runs, interleaved: aaitictl (one round, all targets), then curl one by one.
# Prints wall time and peak RSS (/usr/bin/time -v) per run and the medians, then checks the targets:
#   aaitictl round < 0.5 s wall, peak RSS < 50 MiB (exit 1 if missed).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
aaitictl=${1:-${AAITICTL:-$here/build/release/cli/aaitictl}}
targets=${TARGETS:-200}
delay_ms=${DELAY_MS:-100}
rounds=${ROUNDS:-3}

for tool in python3 curl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "health_fanout: $tool is not installed" >&2; exit 69; }
done
if [ ! -x "$aaitictl" ]; then
  echo "health_fanout: building $aaitictl (cmake --preset release)" >&2
  (cd "$here" && cmake --preset release >/dev/null && cmake --build --preset release --target aaitictl >/dev/null)
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  for pid in $server_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# --- the targets: one asyncio process, many ports --------------------------------------------------
cat >"$work/slow_targets.py" <<'PY'
import asyncio, sys
count, delay = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
BODY = b'{"status":"ok"}'
async def handle(reader, writer):
    try:
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        await asyncio.sleep(delay)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(BODY), BODY))
        await writer.drain()
    finally:
        writer.close()
async def main():
    servers = [await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512) for _ in range(count)]
    print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
PY
# Split over SERVER_PROCS processes (default: the core count) so the peer's own CPU is not the bottleneck.
procs=${SERVER_PROCS:-$(nproc)}
server_pids=()
for p in $(seq "$procs"); do
  share=$(( targets / procs + (p <= targets % procs ? 1 : 0) ))
  python3 "$work/slow_targets.py" "$share" "$delay_ms" >"$work/ports.$p" &
  server_pids+=($!)
done
server_pid="${server_pids[*]}"
ports=()
for p in $(seq "$procs"); do
  for _ in $(seq 100); do [ -s "$work/ports.$p" ] && break; sleep 0.1; done
  read -r -a some <"$work/ports.$p"
  ports+=("${some[@]}")
done
[ "${#ports[@]}" -eq "$targets" ] || { echo "health_fanout: the target server did not start" >&2; exit 69; }

args=(health --once --timeout 2s -o json)
: >"$work/urls"
for i in "${!ports[@]}"; do
  args+=(--target "t$i=http://127.0.0.1:${ports[$i]}/health")
  echo "http://127.0.0.1:${ports[$i]}/health" >>"$work/urls"
done
cat >"$work/curl_loop.sh" <<'SH'
#!/usr/bin/env bash
# What a shell health script does: one curl per target, one after the other.
fail=0
while read -r url; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url") || code=000
  [ "$code" = 200 ] || fail=1
done <"$1"
exit $fail
SH
chmod +x "$work/curl_loop.sh"

# measure NAME CMD...: appends "wall_seconds max_rss_kib" to $work/NAME.
measure() {
  local name=$1; shift
  /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt" || {
    echo "health_fanout: $name failed:" >&2; tail -5 "$work/err.txt" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$work/time.txt")
  echo "$wall $rss" >>"$work/$name"
  printf '  %-9s wall %6.3f s   cpu %6.3f s   peak RSS %6.1f MiB\n' "$name" "$wall" "$cpu" "$(echo "$rss / 1024" | bc -l)"
}

echo "health_fanout: $targets targets answering after ${delay_ms} ms, $rounds rounds"
for round in $(seq "$rounds"); do
  echo "round $round"
  measure startup "$aaitictl" version  # process start alone: what the machine's load adds to every run
  measure aaitictl "$aaitictl" "${args[@]}"
  up=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sum(t["status"]=="up" for t in r["targets"]))' "$work/out.txt")
  [ "$up" -eq "$targets" ] || { echo "health_fanout: only $up of $targets targets up" >&2; exit 1; }
  measure curl "$work/curl_loop.sh" "$work/urls"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ours_wall=$(cut -d' ' -f1 "$work/aaitictl" | median)
ours_rss=$(cut -d' ' -f2 "$work/aaitictl" | median)
curl_wall=$(cut -d' ' -f1 "$work/curl" | median)
startup_wall=$(cut -d' ' -f1 "$work/startup" | median)
echo
printf 'median: aaitictl %.3f s, %.1f MiB peak RSS; curl loop %.3f s; aaitictl is %.1fx faster\n' \
  "$ours_wall" "$(echo "$ours_rss / 1024" | bc -l)" "$curl_wall" "$(echo "$curl_wall / $ours_wall" | bc -l)"
printf '        (aaitictl version alone: %.3f s wall on this machine right now; load average %s)\n' \
  "$startup_wall" "$(cut -d' ' -f1-3 /proc/loadavg)"
ok=1
awk -v w="$ours_wall" 'BEGIN {exit !(w < 0.5)}' || { echo "MISSED: round wall $ours_wall s >= 0.5 s"; ok=0; }
[ "$ours_rss" -lt $((50 * 1024)) ] || { echo "MISSED: peak RSS $ours_rss KiB >= 50 MiB"; ok=0; }
[ "$ok" -eq 1 ] && echo "targets met: round < 0.5 s, peak RSS < 50 MiB"
[ "$ok" -eq 1 ]
