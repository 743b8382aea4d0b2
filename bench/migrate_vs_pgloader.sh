#!/usr/bin/env bash
# `aaitictl migrate` against pgloader and a raw `sqlite3 -csv | psql \copy` baseline, on a generated
# trading-shaped SQLite file of about 1 M rows with foreign keys and mixed types.
#
#   bench/migrate_vs_pgloader.sh [path/to/aaitictl]
#
# Environment: ROWS (orders; trades are 2/3 of it, default 600000 -> ~1.01 M rows in all), ROUNDS
# (default 1), JOBS (aaitictl -j, default: the core count), PGURL (a PostgreSQL superuser URL to an
# existing server; default: a throwaway PostgreSQL 15 started here on a free port).
# Without an argument (or AAITICTL) the release preset's build/release/cli/aaitictl is used, built if missing.
# Each round runs, interleaved: raw baseline, pgloader, aaitictl --keys keep, aaitictl --keys uuid, each
# into a fresh database. Every contender ends with primary keys, foreign-key indexes and foreign keys.
# Prints wall time and peak RSS (/usr/bin/time -v) per run, then ratios against the targets:
#   keep <= 1.25x raw, uuid <= 1.5x raw, both >= 2x faster than pgloader, peak RSS < 256 MiB.
# VERIFY=1 instead times `--verify` alone: per round, `aaitictl migrate --keys uuid --verify -o json` into a
# fresh database, printing the report's verify phase (seconds) and the whole run's wall time and peak RSS.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name=migrate_vs_pgloader
. "$here/bench/lib.sh"
aaitictl=${1:-${AAITICTL:-$here/build/release/cli/aaitictl}}
rows=${ROWS:-600000}
rounds=${ROUNDS:-1}
jobs=${JOBS:-$(nproc)}

for tool in sqlite3 psql pgloader /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "migrate_vs_pgloader: $tool is not installed" >&2; exit 69; }
done
if [ ! -x "$aaitictl" ]; then
  echo "migrate_vs_pgloader: building $aaitictl (cmake --preset release)" >&2
  (cd "$here" && cmake --preset release >/dev/null && cmake --build --preset release --target aaitictl >/dev/null)
fi

bench_init

# --- a PostgreSQL to write to -------------------------------------------------------------------
if [ -z "${PGURL:-}" ]; then
  pg_bin=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
  pg_start -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB -c checkpoint_timeout=30min
fi
base=${PGURL%/*}
fresh_db() { psql -q "$PGURL" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""; echo "$base/$1"; }

# --- the source: accounts, instruments, orders (FKs to both), trades (FK to orders) ----------------
src="$work/bench.sqlite"
accounts=$((rows / 60 + 1)); instruments=1000; trades=$((rows * 2 / 3))
echo "migrate_vs_pgloader: generating $((accounts + instruments + rows + trades)) rows" >&2
sqlite3 "$src" >/dev/null <<SQL
PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at DATETIME, active BOOLEAN);
CREATE TABLE instruments (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL UNIQUE, tick REAL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id),
  instrument_id INTEGER NOT NULL REFERENCES instruments(id), price REAL, qty INTEGER, side TEXT,
  placed_at DATETIME, meta JSON);
CREATE TABLE trades (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), price REAL,
  qty INTEGER, executed_at DATETIME);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $accounts)
INSERT INTO accounts SELECT i, 'account ' || i, datetime(1600000000 + i * 37, 'unixepoch'), i % 7 <> 0 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $instruments)
INSERT INTO instruments SELECT i, 'SYM' || i, 0.01 * (1 + i % 5) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO orders SELECT i, 1 + (i * 7919) % $accounts, 1 + (i * 104729) % $instruments,
  round(10 + (i % 100000) * 0.0137 + 1.0 / (1 + i % 97), 6), 1 + i % 500, CASE i % 2 WHEN 0 THEN 'buy' ELSE 'sell' END,
  strftime('%Y-%m-%dT%H:%M:%fZ', 1650000000 + i * 3, 'unixepoch'), '{"src":"gen","n":' || (i % 13) || '}' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $trades)
INSERT INTO trades SELECT i, 1 + (i * 48271) % $rows, round(10 + (i % 50000) * 0.0211, 6), 1 + i % 300,
  datetime(1650000000 + i * 4, 'unixepoch') FROM n;
CREATE INDEX orders_account ON orders (account_id);
CREATE INDEX orders_instrument ON orders (instrument_id);
CREATE INDEX trades_order ON trades (order_id);
SQL
echo "migrate_vs_pgloader: source $(du -h "$src" | cut -f1)" >&2

# --- contenders --------------------------------------------------------------------------------
run_raw() {  # $1 url
  psql -q "$1" <<'SQL'
CREATE TABLE accounts (id bigint, name text, created_at timestamptz, active boolean);
CREATE TABLE instruments (id bigint, symbol text, tick double precision);
CREATE TABLE orders (id bigint, account_id bigint, instrument_id bigint, price double precision, qty bigint,
  side text, placed_at timestamptz, meta jsonb);
CREATE TABLE trades (id bigint, order_id bigint, price double precision, qty bigint, executed_at timestamptz);
SQL
  for t in accounts instruments orders trades; do
    sqlite3 -csv "$src" "SELECT * FROM $t" | psql -q "$1" -c "\\copy $t FROM STDIN CSV"
  done
  psql -q "$1" <<'SQL'
ALTER TABLE accounts ADD PRIMARY KEY (id);
ALTER TABLE instruments ADD PRIMARY KEY (id);
ALTER TABLE instruments ADD UNIQUE (symbol);
ALTER TABLE orders ADD PRIMARY KEY (id);
ALTER TABLE trades ADD PRIMARY KEY (id);
CREATE INDEX orders_account ON orders (account_id);
CREATE INDEX orders_instrument ON orders (instrument_id);
CREATE INDEX trades_order ON trades (order_id);
ALTER TABLE orders ADD FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE orders ADD FOREIGN KEY (instrument_id) REFERENCES instruments (id);
ALTER TABLE trades ADD FOREIGN KEY (order_id) REFERENCES orders (id);
SQL
}
run_pgloader() { pgloader --quiet "sqlite://$src" "$1" >"$work/pgloader.out" 2>&1; }
run_keep() { "$aaitictl" migrate --source "$src" --target "$1" --keys keep -j "$jobs" --log-level warn >/dev/null; }
run_uuid() { "$aaitictl" migrate --source "$src" --target "$1" --keys uuid -j "$jobs" --log-level warn >/dev/null; }

declare -A total_s peak_kb
measure() {  # $1 name, $2 function
  local db url
  db="bench_$1"
  url=$(fresh_db "$db")
  /usr/bin/time -v -o "$work/time.txt" bash -c "$(declare -f "$2"); src='$src'; aaitictl='$aaitictl'; jobs='$jobs'; work='$work'; $2 '$url'" \
    || { echo "migrate_vs_pgloader: $1 failed" >&2; cat "$work/pgloader.out" 2>/dev/null | tail -5 >&2; return 1; }
  local wall kb
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$work/time.txt")
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  local rows_in
  rows_in=$(psql -At "$url" -c "SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM instruments) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM trades)" 2>/dev/null || echo "?")
  printf '%-9s %8.2f s  peak RSS %7.1f MiB  rows %s\n' "$1" "$wall" "$(echo "$kb / 1024" | bc -l)" "$rows_in"
  total_s[$1]=$(echo "${total_s[$1]:-0} + $wall" | bc -l)
  [ "${peak_kb[$1]:-0}" -gt "$kb" ] || peak_kb[$1]=$kb
  psql -q "$PGURL" -c "DROP DATABASE \"$db\" WITH (FORCE)"
}

if [ "${VERIFY:-0}" = 1 ]; then
  for round in $(seq 1 "$rounds"); do
    url=$(fresh_db bench_verify)
    /usr/bin/time -v -o "$work/time.txt" "$aaitictl" migrate --source "$src" --target "$url" --keys uuid -j "$jobs" \
      --verify -o json --log-level warn >"$work/verify.json"
    verify_s=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["phases"]["verify"], r["verify"]["ok"])' "$work/verify.json")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    printf 'round %s: verify %s s (ok %s), whole run peak RSS %.1f MiB\n' "$round" "${verify_s% *}" "${verify_s#* }" "$(echo "$kb / 1024" | bc -l)"
    psql -q "$PGURL" -c "DROP DATABASE bench_verify WITH (FORCE)"
  done
  exit 0
fi

for round in $(seq 1 "$rounds"); do
  echo "round $round"
  measure raw run_raw
  measure pgloader run_pgloader
  measure keep run_keep
  measure uuid run_uuid
done

mean() { echo "${total_s[$1]} / $rounds" | bc -l; }
raw=$(mean raw); pgl=$(mean pgloader); keep=$(mean keep); uuid=$(mean uuid)
printf '\nmeans: raw %.2f s, pgloader %.2f s, keep %.2f s, uuid %.2f s\n' "$raw" "$pgl" "$keep" "$uuid"
printf 'keep / raw      = %.2f (target <= 1.25)\n' "$(echo "$keep / $raw" | bc -l)"
printf 'uuid / raw      = %.2f (target <= 1.50)\n' "$(echo "$uuid / $raw" | bc -l)"
printf 'pgloader / keep = %.2f (target >= 2)\n' "$(echo "$pgl / $keep" | bc -l)"
printf 'pgloader / uuid = %.2f (target >= 2)\n' "$(echo "$pgl / $uuid" | bc -l)"
printf 'peak RSS: keep %.1f MiB, uuid %.1f MiB (target < 256)\n' "$(echo "${peak_kb[keep]} / 1024" | bc -l)" "$(echo "${peak_kb[uuid]} / 1024" | bc -l)"
