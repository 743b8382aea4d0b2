#!/usr/bin/env bash
# `make run`: the stack on its embedded default — aaiti-auth on SQLite behind aaiti-gateway, no external
# servers. State (the SQLite file and a generated JWT secret) lives in ./data. Ctrl-C stops both.
# (`aaitictl up` takes this over when the stack supervisor lands; see issue 7.)
#
#   scripts/run-embedded.sh [BUILD_DIR]      default: build/release
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build/release}
auth_bin=$build/services/auth/aaiti-auth
gateway_bin=$build/services/gateway/aaiti-gateway
gateway_port=${GATEWAY_PORT:-3000}
auth_port=${AUTH_PORT:-3001}
data=$here/data

for bin in "$auth_bin" "$gateway_bin"; do
  [ -x "$bin" ] || { echo "run: $bin is missing; run 'make release' first" >&2; exit 69; }
done
for port in "$gateway_port" "$auth_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run: 127.0.0.1:$port is already in use; stop what listens there or set GATEWAY_PORT/AUTH_PORT" >&2
    exit 69
  fi
done

mkdir -p "$data"
# A per-checkout signing secret, made once, so tokens survive a restart. Never commit data/.
if [ ! -s "$data/jwt_secret" ]; then
  (umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n' > "$data/jwt_secret")
fi
export JWT_SECRET_FILE=$data/jwt_secret
export SQLITE_DB_PATH=$data/aaiti.sqlite
export LOG_FORMAT=${LOG_FORMAT:-text}
# Nothing runs Redis here: the gateway limits locally and says so once.
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
unset WRITE_DB_URL READ_DB_URL

pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$auth_bin" --listen "127.0.0.1:$auth_port" 2>&1 | sed -u 's/^/auth    | /' &
pids+=($!)
"$gateway_bin" --listen "127.0.0.1:$gateway_port" --route "/api/auth=http://127.0.0.1:$auth_port" 2>&1 \
  | sed -u 's/^/gateway | /' &
pids+=($!)

started=$(date +%s%N)
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$gateway_port/health" >/dev/null 2>&1 &&
     curl -fsS "http://127.0.0.1:$auth_port/ready" >/dev/null 2>&1; then
    ms=$(( ($(date +%s%N) - started) / 1000000 ))
    cat <<MSG

aaiti is up (healthy in ${ms} ms): gateway http://127.0.0.1:$gateway_port -> auth http://127.0.0.1:$auth_port (SQLite $SQLITE_DB_PATH)
Try:
  curl -s -XPOST localhost:$gateway_port/api/auth/register -H 'Content-Type: application/json' \\
       -d '{"username":"ada","email":"ada@example.com","password":"Correct-Horse-9"}'
  curl -s -XPOST localhost:$gateway_port/api/auth/login -H 'Content-Type: application/json' \\
       -d '{"username":"ada","password":"Correct-Horse-9"}'
  curl -s localhost:$gateway_port/api/auth/profile -H "Authorization: Bearer <token>"
  curl -s localhost:$gateway_port/services ; curl -s localhost:$gateway_port/metrics | head
Ctrl-C stops both.

MSG
    wait -n "${pids[@]}" || true
    echo "run: a service stopped; shutting down" >&2
    exit 1
  fi
  sleep 0.1
done
echo "run: the services did not become healthy within 10 s (see the log lines above)" >&2
exit 1
