#!/usr/bin/env bash
# Installs every Debian bookworm package the build, the tests and the benchmarks need.
# Idempotent: when everything is present it only runs dpkg-query and returns in well under a second.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config make git
  # libraries
  libcli11-dev libpqxx-dev libpq-dev libsqlitecpp-dev libsqlite3-dev libcurl4-openssl-dev nlohmann-json3-dev
  libboost1.74-all-dev libspdlog-dev libfmt-dev catch2 libsodium-dev libzstd-dev libcrypt-dev libssl-dev
  libhiredis-dev libyaml-cpp-dev libkainjow-mustache-dev
  # real peers for tests, validators and benchmarks
  postgresql-15 postgresql-client-15 redis-server haproxy nginx-light wrk prometheus prometheus-alertmanager
  docker-compose python3-aiosmtpd mandoc curl procps util-linux sqlite3 pgloader zstd bc time coreutils
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Services installed here must not start themselves: the test harness starts its own on free ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
