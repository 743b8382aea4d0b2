#!/usr/bin/env bash
# `aaitictl backup create` / `restore` against pg_dump/pg_restore on a generated ~200 MB database.
#
#   bench/backup_vs_pgdump.sh [path/to/aaitictl]
#
# Environment: ROWS (orders, default 2000000 -> ~200 MB on disk), ROUNDS (default 3), PGURL (a
# PostgreSQL superuser URL to an existing server; default: a throwaway PostgreSQL 15 started here).
# Without an argument (or AAITICTL) the release preset's build/release/cli/aaitictl is used, built if missing.
# Each round runs, interleaved:
#   backups:  pg_dump -Fc (its own gzip)  |  pg_dump -Fc -Z0 | zstd -T<nproc> -3  |  aaitictl backup create (encrypted)
#   restores: pg_restore of the -Z0 dump  |  aaitictl restore --latest (streaming, the default)
#             |  aaitictl restore --latest -j <nproc> (temporary file + pg_restore -j)   (each into a fresh database)
# Prints medians and the ratios against the targets:
#   backup <= 1.15x the zstd pipeline, restore <= 1.0x pg_restore, stored size within 10% of the zstd pipeline.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name=backup_vs_pgdump
. "$here/bench/lib.sh"
aaitictl=${1:-${AAITICTL:-$here/build/release/cli/aaitictl}}
rows=${ROWS:-2000000}
rounds=${ROUNDS:-3}
threads=$(nproc)

for tool in psql zstd /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "backup_vs_pgdump: $tool is not installed" >&2; exit 69; }
done
if [ ! -x "$aaitictl" ]; then
  echo "backup_vs_pgdump: building $aaitictl (cmake --preset release)" >&2
  (cd "$here" && cmake --preset release >/dev/null && cmake --build --preset release --target aaitictl >/dev/null)
fi

bench_init

pg_bin=/usr/lib/postgresql/15/bin
if [ -z "${PGURL:-}" ]; then
  pg_start -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB -c checkpoint_timeout=30min
fi
base=${PGURL%/*}
fresh_db() { psql -q "$PGURL" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""; echo "$base/$1"; }

# --- the source: accounts and orders, trading-shaped --------------------------------------------
src=$(fresh_db bench_source)
echo "backup_vs_pgdump: generating $rows orders" >&2
psql -q "$src" <<SQL
CREATE TABLE accounts (id uuid PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO accounts SELECT md5(g::text)::uuid, 'account ' || g, '2024-01-01'::timestamptz + g * interval '37 s'
  FROM generate_series(1, $((rows / 100 + 1))) g;
CREATE TABLE orders (id bigint PRIMARY KEY, account_id uuid NOT NULL REFERENCES accounts(id), price double precision,
  qty integer, side text, placed_at timestamptz, note text);
INSERT INTO orders SELECT g, md5((1 + g % $((rows / 100 + 1)))::text)::uuid, round((10 + random() * 90)::numeric, 4),
  1 + g % 500, CASE g % 2 WHEN 0 THEN 'buy' ELSE 'sell' END, '2025-01-01'::timestamptz + g * interval '3 s',
  'order ' || md5(g::text) FROM generate_series(1, $rows) g;
CREATE INDEX orders_account ON orders (account_id);
VACUUM ANALYZE;
SQL
echo "backup_vs_pgdump: source database $(psql -At "$src" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")" >&2

head -c 32 /dev/urandom > "$work/backup.key"
repo="$work/repo"
pgpass_url=$src
"$pg_bin/pg_dump" -Fc -Z0 -f "$work/plain.dump" "$src"   # the pg_restore contender's input (untimed)

declare -A samples
wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$1"; }
timed() {  # $1 name, rest: command (run by bash -c)
  local name=$1; shift
  /usr/bin/time -v -o "$work/time.txt" bash -c "$*" >/dev/null || { echo "backup_vs_pgdump: $name failed" >&2; exit 1; }
  local wall; wall=$(wall_of "$work/time.txt")
  local kb; kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  samples[$name]="${samples[$name]:-} $wall"
  printf '  %-16s %7.2f s  peak RSS %6.1f MiB\n' "$name" "$wall" "$(echo "$kb / 1024" | bc -l)"
}
median() { tr ' ' '\n' <<<"${samples[$1]}" | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for round in $(seq 1 "$rounds"); do
  echo "round $round"
  rm -rf "$repo" "$work"/*.fc "$work"/*.zst
  timed pg_dump_fc      "$pg_bin/pg_dump -Fc -f '$work/gz.fc' '$src'"
  timed zstd_pipeline   "set -o pipefail; $pg_bin/pg_dump -Fc -Z0 '$src' | zstd -q -T$threads -3 -o '$work/dump.zst'"
  timed aaitictl_backup "'$aaitictl' backup create --db '$src' --repo '$repo' --key-file '$work/backup.key' --no-progress"
  target=$(fresh_db bench_restore_pg)
  timed pg_restore      "$pg_bin/pg_restore -d '$target' '$work/plain.dump'"
  target=$(fresh_db bench_restore_ours)
  timed aaitictl_restore "'$aaitictl' restore --latest --db '$target' --repo '$repo' --key-file '$work/backup.key' --no-progress"
  rows_back=$(psql -At "$target" -c "SELECT count(*) FROM orders")
  [ "$rows_back" = "$rows" ] || { echo "backup_vs_pgdump: restored $rows_back orders, expected $rows" >&2; exit 1; }
  target=$(fresh_db bench_restore_ours_jn)
  timed aaitictl_restore_jn "'$aaitictl' restore --latest -j $threads --db '$target' --repo '$repo' --key-file '$work/backup.key' --no-progress"
done

zstd_size=$(stat -c %s "$work/dump.zst")
ours_size=$(find "$repo" -name 'dump.zst.enc' -printf '%s\n' | head -1)
gz_size=$(stat -c %s "$work/gz.fc")
raw_size=$(stat -c %s "$work/plain.dump")
echo
printf 'sizes: raw dump %s, pg_dump -Fc %s, zstd pipeline %s, aaitictl (encrypted) %s\n' \
  "$(numfmt --to=iec "$raw_size")" "$(numfmt --to=iec "$gz_size")" "$(numfmt --to=iec "$zstd_size")" "$(numfmt --to=iec "$ours_size")"
printf 'medians: pg_dump -Fc %.2f s, zstd pipeline %.2f s, aaitictl backup %.2f s; pg_restore %.2f s, aaitictl restore %.2f s (-j N: %.2f s)\n' \
  "$(median pg_dump_fc)" "$(median zstd_pipeline)" "$(median aaitictl_backup)" "$(median pg_restore)" "$(median aaitictl_restore)" "$(median aaitictl_restore_jn)"
printf 'backup / zstd pipeline   = %.2f (target <= 1.15)\n' "$(echo "$(median aaitictl_backup) / $(median zstd_pipeline)" | bc -l)"
printf 'backup / pg_dump -Fc     = %.2f\n' "$(echo "$(median aaitictl_backup) / $(median pg_dump_fc)" | bc -l)"
printf 'restore / pg_restore     = %.2f (target <= 1.0)\n' "$(echo "$(median aaitictl_restore) / $(median pg_restore)" | bc -l)"
printf 'restore -j %s / pg_restore = %.2f (temporary file)\n' "$threads" "$(echo "$(median aaitictl_restore_jn) / $(median pg_restore)" | bc -l)"
printf 'stored size / zstd       = %.3f (target within 1.10)\n' "$(echo "$ours_size / $zstd_size" | bc -l)"
