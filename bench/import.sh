#!/usr/bin/env bash
# Import benchmark: generates N customers (default 1,000,000) with the shared generator, imports
# them into a fresh database with the release binary, and prints customers/s and peak memory
# against the goals (100,000 customers/s; bounded memory). The machine is noisy, so it imports
# ROUNDS times (default 3), each into a fresh database, and judges the median.
#
#   bench/import.sh [COUNT]        # data is cached in ${BENCH_DATA:-/tmp/kbs-bench-data}
#
# A cached file is reused only when its stamp (written once the generator finished) names the
# same count and seed and the file still holds that many records; the rate is computed from
# the number of customers the import reports, which must be the count asked for.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${1:-1000000}
seed=20261127
data=${BENCH_DATA:-/tmp/kbs-bench-data}/customers-$count
generator=../shared/bench/gen_customers.py
stamp="count=$count seed=$seed"

if [ "$(cat "$data/generated" 2>/dev/null)" != "$stamp" ] \
  || [ "$(wc -l < "$data/customers.jsonl" 2>/dev/null)" != "$count" ]; then
  echo "generating $count customers into $data" >&2
  rm -rf "$data"
  python3 "$generator" --count "$count" --seed "$seed" --out-dir "$data"
  lines=$(wc -l < "$data/customers.jsonl")
  [ "$lines" = "$count" ] || { echo "the generator wrote $lines customers, not $count" >&2; exit 1; }
  echo "$stamp" > "$data/generated"
fi
cargo build --release --quiet
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

rounds=${ROUNDS:-3}
size=$(stat -c %s "$data/customers.jsonl")
results=()
for round in $(seq "$rounds"); do
  db=$(mktemp -d)/bench.db
  log=$(mktemp)
  /usr/bin/time -f 'peak_rss_kb=%M wall_s=%e' target/release/kbs-graphql --database "$db" import \
    --customers "$data/customers.jsonl" --companies "$data/companies.jsonl" 2>"$log"
  echo "round $round: $(grep -E '^imported' "$log")" >&2
  imported=$(sed -n 's/^imported \([0-9]*\) customers.*/\1/p' "$log")
  if [ "$imported" != "$count" ]; then
    echo "round $round imported ${imported:-no} customers, not $count: no figure" >&2
    cat "$log" >&2
    exit 1
  fi
  wall=$(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' "$log")
  rss=$(sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' "$log")
  results+=("$wall:$rss")
  rm -rf "$(dirname "$db")" "$log"
done

python3 - "$count" "$size" "${results[@]}" <<'PY'
import statistics, sys
count, size = int(sys.argv[1]), int(sys.argv[2])
runs = [tuple(map(float, r.split(":"))) for r in sys.argv[3:]]
walls = [w for w, _ in runs]
wall = statistics.median(walls)
rss = max(r for _, r in runs) / 1024
rate = count / wall
print(f"{'customers':>12} {'seconds':>8} {'customers/s':>12} {'goal':>9} {'ratio':>6} {'peak RSS':>10} {'input':>9}")
print(f"{count:>12,} {wall:>8.1f} {rate:>12,.0f} {100000:>9,} {rate/100000:>6.2f} {rss:>7.0f} MiB {size/2**20:>5.0f} MiB")
print(f"rounds: {', '.join(f'{w:.1f} s' for w in walls)} (median judged; wall time of the whole command)")
print(f"speed: {'PASS' if rate >= 100000 else 'FAIL'} (>= 100,000 customers/s)")
print(f"memory: {'PASS' if rss < size / 2**20 / 2 else 'FAIL'} (peak RSS under half the input: streamed, not loaded)")
PY
